import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { augmentParams, decodeAugmented } from './augment';

/** a picture with a left-right asymmetry, so a flip shows */
async function photo(): Promise<Buffer> {
  const w = 64;
  const h = 48;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(x < w / 3 ? [220, 30, 30] : [30, 30, 200], (y * w + x) * 3);
  return sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

const target = { width: 32, height: 32, resize: 'stretch' as const };
const mean = (d: Uint8Array, ch: number, x0: number, x1: number) => {
  let s = 0;
  let n = 0;
  for (let y = 8; y < 24; y++) for (let x = x0; x < x1; x++, n++) s += d[(y * 32 + x) * 3 + ch]!;
  return s / n;
};

describe('cached augmentation', () => {
  it('draws the same transformation for the same image and variant, another for another', () => {
    expect(augmentParams('abc', 1)).toEqual(augmentParams('abc', 1));
    expect(augmentParams('abc', 2)).not.toEqual(augmentParams('abc', 1));
    expect(augmentParams('abd', 1)).not.toEqual(augmentParams('abc', 1));
    for (let k = 1; k < 50; k++) {
      const p = augmentParams('img', k);
      expect(Math.abs(p.rotate)).toBeLessThanOrEqual(15);
      expect(p.crop.scale).toBeGreaterThanOrEqual(0.8);
      expect(p.brightness).toBeGreaterThanOrEqual(0.8);
      expect(p.brightness).toBeLessThanOrEqual(1.2);
    }
  });

  it('flips, and leaves an unflipped variant the right way round', async () => {
    const src = await photo();
    const plain = { flip: false, rotate: 0, crop: { scale: 1, x: 0, y: 0 }, brightness: 1, contrast: 1 };
    const a = await decodeAugmented(src, target, plain);
    const b = await decodeAugmented(src, target, { ...plain, flip: true });
    expect([a.width, a.height, a.data.length]).toEqual([32, 32, 32 * 32 * 3]);
    // red on the left unflipped, on the right flipped
    expect(mean(a.data, 0, 0, 6)).toBeGreaterThan(150);
    expect(mean(b.data, 0, 26, 32)).toBeGreaterThan(150);
    expect(mean(b.data, 0, 0, 6)).toBeLessThan(80);
  });

  it('brightens and darkens, rotates without black corners, and is repeatable', async () => {
    const src = await photo();
    const base = { flip: false, rotate: 0, crop: { scale: 1, x: 0, y: 0 }, brightness: 1, contrast: 1 };
    const bright = await decodeAugmented(src, target, { ...base, brightness: 1.2 });
    const dark = await decodeAugmented(src, target, { ...base, brightness: 0.8 });
    expect(mean(bright.data, 2, 20, 30)).toBeGreaterThan(mean(dark.data, 2, 20, 30) + 20);
    const turned = await decodeAugmented(src, target, { ...base, rotate: 15, crop: { scale: 1, x: 0.5, y: 0.5 } });
    const corner = [0, 1, 2].map((c) => turned.data[c]!);
    expect(Math.max(...corner)).toBeGreaterThan(20);
    const again = await decodeAugmented(src, target, augmentParams('x', 3));
    expect(Buffer.from((await decodeAugmented(src, target, augmentParams('x', 3))).data).equals(Buffer.from(again.data))).toBe(true);
  });
});
