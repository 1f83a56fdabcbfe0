import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encode as encodeBmp } from 'fast-bmp';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferLabError } from '../../../shared/errors';
import { defaultPreprocessing } from '../../../shared/preprocessing';
import { bmp24, fromRgb, noiseJpeg, noisePng, paletteBmp8, solid, withCorner, type Rgb } from '../../../test/fixtures/syntheticImages';
import { fashionMnistClasses, fashionMnistDataset } from '../../../test/fixtures/fashionMnist';
import { decodeToRgb, isNotAnImageReason, probeImage } from './decodeImage';
import { isHiddenOrSystemFile, isImageFileName } from './imageFiles';
import { decodeForModel, pixelsToFloat } from './modelPixels';

let dir: string;
const file = (name: string) => path.join(dir, name);
const RED: Rgb = [220, 20, 20];
const BLUE: Rgb = [20, 20, 220];

function pixel(img: { data: Uint8Array; width: number }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return Array.from(img.data.subarray(i, i + 3));
}

function expectColour(actual: number[], expected: readonly number[], tolerance = 12): void {
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!), `channel ${i}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance));
}

async function expectUnreadable(p: Promise<unknown>, reason: RegExp): Promise<TransferLabError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TransferLabError);
  const err = e as TransferLabError;
  expect(err.code).toBe('IMAGE_UNREADABLE');
  expect(err.message).toMatch(reason);
  expect(err.hint).toBeTruthy();
  return err;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tlab-decode-'));
  const red = () => fromRgb(solid(16, 12, RED), 16, 12);
  await red().jpeg().toFile(file('red.jpg'));
  await red().jpeg().toFile(file('RED.JPG'));
  await red().jpeg().toFile(file('red.jpeg'));
  await red().jpeg().toFile(file('red.JFIF'));
  await red().png().toFile(file('red.png'));
  await red().png().toFile(file('RED.PNG'));
  await red().webp({ lossless: true }).toFile(file('red.webp'));
  await red().gif().toFile(file('red.gif'));
  await red().tiff().toFile(file('red.tif'));
  await red().tiff().toFile(file('RED.TIFF'));
  await writeFile(file('red.bmp'), bmp24(16, 12, RED));
  await writeFile(file('RED.BMP'), bmp24(16, 12, RED));
  // 40×20 landscape as stored, red square at the stored top-left, EXIF says "rotate 90° clockwise"
  await fromRgb(withCorner(40, 20, BLUE, RED, 10), 40, 20)
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toFile(file('exif6.jpg'));
  await red().toColourspace('cmyk').jpeg().toFile(file('cmyk.jpg'));
  await red().toColourspace('rgb16').png().toFile(file('deep.png'));
  await fromRgb(solid(16, 12, [100, 100, 100]), 16, 12)
    .toColourspace('b-w')
    .png()
    .toFile(file('grey.png'));
  await red().png({ palette: true }).toFile(file('palette.png'));
  // left half fully transparent black, right half opaque red
  const rgba = Buffer.alloc(16 * 12 * 4);
  for (let i = 0; i < 16 * 12; i++) if (i % 16 >= 8) rgba.set([...RED, 255], i * 4);
  await sharp(rgba, { raw: { width: 16, height: 12, channels: 4 } })
    .png()
    .toFile(file('rgba.png'));
  const frame = (c: Rgb) =>
    fromRgb(solid(8, 6, c), 8, 6)
      .png()
      .toBuffer();
  const frames = [await frame(RED), await frame(BLUE)];
  await sharp(frames, { join: { animated: true } })
    .gif()
    .toFile(file('anim.gif'));
  await sharp(frames, { join: { animated: true } })
    .webp({ lossless: true })
    .toFile(file('anim.webp'));

  const jpg = await noiseJpeg(64, 48, 1);
  await writeFile(file('whole.jpg'), jpg);
  await writeFile(file('truncated.jpg'), jpg.subarray(0, Math.floor(jpg.length * 0.6)));
  // cut short but closed with an end marker, as some broken uploaders leave it: the header
  // and structure look fine, only a strict decoder notices the missing data
  await writeFile(file('cut-closed.jpg'), Buffer.concat([jpg.subarray(0, Math.floor(jpg.length * 0.6)), Buffer.from([0xff, 0xd9])]));
  // two stray bytes after the first segment: libjpeg warns "extraneous bytes before marker"
  // and decodes the image intact, as viewers do
  const app0End = 4 + jpg.readUInt16BE(4);
  await writeFile(file('stray.jpg'), Buffer.concat([jpg.subarray(0, app0End), Buffer.from([0x00, 0x00]), jpg.subarray(app0End)]));
  const png = await noisePng(32, 32, 2);
  await writeFile(file('truncated.png'), png.subarray(0, png.length - 40));
  await writeFile(file('text.jpg'), 'these are my lab notes, not a photo\n');
  await writeFile(file('doc.jpg'), '%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n');
  await writeFile(file('empty.jpg'), '');
  await writeFile(file('drawing.png'), '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('isImageFileName', () => {
  it('accepts the supported extensions in any case', () => {
    for (const n of ['a.jpg', 'a.JPG', 'a.jpeg', 'a.Jpe', 'a.jfif', 'a.png', 'a.WEBP', 'a.gif', 'a.bmp', 'a.tif', 'a.TIFF', 'a.avif']) {
      expect(isImageFileName(n), n).toBe(true);
    }
  });
  it('rejects others', () => {
    for (const n of ['notes.txt', 'a.heic', 'a.svg', 'jpg', 'a.jpg.txt', 'README', 'a.pdf']) expect(isImageFileName(n), n).toBe(false);
  });
});

describe('isHiddenOrSystemFile', () => {
  it('spots OS and NAS litter', () => {
    for (const n of ['.DS_Store', '._photo.jpg', '.hidden', 'Thumbs.db', 'desktop.ini', 'Desktop.ini', '__MACOSX', '@eaDir', '~$doc.docx']) {
      expect(isHiddenOrSystemFile(n), n).toBe(true);
    }
  });
  it('leaves ordinary names alone', () => {
    for (const n of ['cat.jpg', 'thumbs.jpg', 'eaDir', 'MACOSX']) expect(isHiddenOrSystemFile(n), n).toBe(false);
  });
});

describe('probeImage', () => {
  it.each([
    ['red.jpg', 'jpeg'],
    ['RED.JPG', 'jpeg'],
    ['red.jpeg', 'jpeg'],
    ['red.JFIF', 'jpeg'],
    ['red.png', 'png'],
    ['RED.PNG', 'png'],
    ['red.webp', 'webp'],
    ['red.gif', 'gif'],
    ['red.tif', 'tiff'],
    ['RED.TIFF', 'tiff'],
    ['red.bmp', 'bmp'],
    ['RED.BMP', 'bmp'],
  ])('reads the header of %s', async (name, format) => {
    expect(await probeImage(file(name))).toEqual({ width: 16, height: 12, format });
  });

  it('reports displayed size for EXIF-rotated photos', async () => {
    expect(await probeImage(file('exif6.jpg'))).toEqual({ width: 20, height: 40, format: 'jpeg' });
  });

  it('gives one frame of an animation', async () => {
    expect(await probeImage(file('anim.gif'))).toMatchObject({ width: 8, height: 6 });
  });

  it('accepts bytes instead of a path', async () => {
    expect(await probeImage(bmp24(5, 3, RED))).toEqual({ width: 5, height: 3, format: 'bmp' });
  });

  it('explains what a non-image is', async () => {
    const text = await expectUnreadable(probeImage(file('text.jpg')), /^not an image \(it looks like a text file\)$/);
    expect(isNotAnImageReason(text.message)).toBe(true);
    await expectUnreadable(probeImage(file('doc.jpg')), /^not an image \(it looks like a PDF file\)$/);
    await expectUnreadable(probeImage(file('drawing.png')), /^not an image \(.*SVG/);
  });

  it('rejects empty, truncated and missing files as unreadable, not as non-images', async () => {
    for (const [name, reason] of [
      ['empty.jpg', /empty file/],
      ['truncated.jpg', /truncated or corrupt JPEG/],
      ['truncated.png', /truncated or corrupt PNG/],
      ['missing.jpg', /file not found/],
    ] as const) {
      const e = await expectUnreadable(probeImage(file(name)), reason);
      expect(isNotAnImageReason(e.message)).toBe(false);
    }
  });

  it('rejects a truncated BMP', async () => {
    const whole = bmp24(20, 20, RED);
    await expectUnreadable(probeImage(whole.subarray(0, whole.length - 30)), /truncated or corrupt BMP/);
  });
});

describe('decodeToRgb', () => {
  it.each(['red.jpg', 'RED.JPG', 'red.JFIF', 'red.png', 'red.webp', 'red.gif', 'red.tif', 'RED.TIFF', 'red.bmp', 'cmyk.jpg', 'deep.png', 'palette.png'])(
    'decodes %s to 8-bit RGB',
    async (name) => {
      const img = await decodeToRgb(file(name));
      expect(img.data).toBeInstanceOf(Uint8Array);
      expect([img.width, img.height, img.data.length]).toEqual([16, 12, 16 * 12 * 3]);
      // CMYK round trips through a press profile, so it gets a wider margin
      expectColour(pixel(img, 8, 6), RED, name === 'cmyk.jpg' ? 40 : 12);
    },
  );

  it('applies EXIF orientation to the pixels', async () => {
    const img = await decodeToRgb(file('exif6.jpg'));
    expect([img.width, img.height]).toEqual([20, 40]);
    // a 90° clockwise turn takes the stored top-left corner to the displayed top-right
    expectColour(pixel(img, 16, 3), RED, 30);
    expectColour(pixel(img, 3, 3), BLUE, 30);
    expectColour(pixel(img, 16, 36), BLUE, 30);
  });

  it('turns greyscale into three equal channels', async () => {
    expect((await sharp(file('grey.png')).metadata()).channels).toBe(1);
    const img = await decodeToRgb(file('grey.png'));
    expect(img.data.length).toBe(16 * 12 * 3);
    expectColour(pixel(img, 0, 0), [100, 100, 100], 2);
  });

  it('flattens transparency onto white', async () => {
    const img = await decodeToRgb(file('rgba.png'));
    expect(img.data.length).toBe(16 * 12 * 3);
    expect(pixel(img, 2, 2)).toEqual([255, 255, 255]);
    expectColour(pixel(img, 12, 2), RED, 1);
  });

  it('takes the first frame of animated GIF and WebP', async () => {
    for (const name of ['anim.gif', 'anim.webp']) {
      const img = await decodeToRgb(file(name));
      expect([img.width, img.height], name).toEqual([8, 6]);
      expectColour(pixel(img, 4, 3), RED, 12);
    }
  });

  it('decodes BMPs of every depth fast-bmp reads', async () => {
    const mask = Array.from({ length: 24 }, (_, i) => (i % 6 < 3 ? 1 : 0));
    const oneBit = encodeBmp({ width: 6, height: 4, data: new Uint8Array(mask), bitsPerPixel: 1, channels: 1, components: 1 });
    const img1 = await decodeToRgb(oneBit);
    expect(pixel(img1, 0, 0)).toEqual([255, 255, 255]);
    expect(pixel(img1, 4, 3)).toEqual([0, 0, 0]);

    const grey8 = encodeBmp({ width: 3, height: 2, data: new Uint8Array([0, 50, 100, 150, 200, 250]), bitsPerPixel: 8, channels: 1, components: 1 });
    const img8 = await decodeToRgb(grey8);
    expect(pixel(img8, 1, 0)).toEqual([50, 50, 50]);
    expect(pixel(img8, 2, 1)).toEqual([250, 250, 250]);

    const rgba = new Uint8Array(4 * 2 * 4);
    for (let i = 0; i < 8; i++) rgba.set(i < 4 ? [0, 0, 0, 0] : [...BLUE, 255], i * 4);
    const img32 = await decodeToRgb(encodeBmp({ width: 4, height: 2, data: rgba, bitsPerPixel: 32, channels: 4, components: 3 }));
    expect(pixel(img32, 0, 0)).toEqual([255, 255, 255]);
    expect(pixel(img32, 0, 1)).toEqual([...BLUE]);
  });

  it('maps palette BMPs through their colour table, bottom-up and top-down', async () => {
    const indices = [0, 1, 2, 1, 0, 2];
    const palette: Rgb[] = [RED, BLUE, [10, 200, 10]];
    for (const topDown of [false, true]) {
      const img = await decodeToRgb(paletteBmp8(3, 2, palette, indices, topDown));
      expect(pixel(img, 0, 0), `topDown=${topDown}`).toEqual([...RED]);
      expect(pixel(img, 2, 0)).toEqual([10, 200, 10]);
      expect(pixel(img, 0, 1)).toEqual([...BLUE]);
    }
    expect(await probeImage(paletteBmp8(3, 2, palette, indices, true))).toEqual({ width: 3, height: 2, format: 'bmp' });
  });

  it('resizes by stretching or by cropping the centre', async () => {
    // 60×20: green thirds either side of a red middle
    const wide = solid(60, 20, [10, 200, 10]);
    for (let y = 0; y < 20; y++) for (let x = 20; x < 40; x++) wide.set(RED, (y * 60 + x) * 3);
    const src = await fromRgb(wide, 60, 20).png().toBuffer();
    const stretched = await decodeToRgb(src, { width: 12, height: 12, resize: 'stretch' });
    expect([stretched.width, stretched.height, stretched.data.length]).toEqual([12, 12, 12 * 12 * 3]);
    expectColour(pixel(stretched, 0, 6), [10, 200, 10], 20);
    const cropped = await decodeToRgb(src, { width: 12, height: 12, resize: 'center-crop' });
    expect([cropped.width, cropped.height]).toEqual([12, 12]);
    // the outermost columns are a blend: the bilinear kernel reaches past the crop's edge
    expectColour(pixel(cropped, 1, 6), RED, 20);
    expectColour(pixel(cropped, 10, 6), RED, 20);
    expect(pixel(cropped, 0, 6)[0]).toBeGreaterThan(150);
  });

  it('resizes an EXIF-rotated photo in its displayed orientation', async () => {
    const img = await decodeToRgb(file('exif6.jpg'), { width: 10, height: 20, resize: 'stretch' });
    expect([img.width, img.height]).toEqual([10, 20]);
    expectColour(pixel(img, 8, 1), RED, 40);
  });

  it('reports truncated JPEGs instead of decoding them grey', async () => {
    await expectUnreadable(decodeToRgb(file('truncated.jpg')), /truncated or corrupt JPEG/);
    // passes the cheap structure check; the decoder's failOn setting must catch it
    await expect(probeImage(file('cut-closed.jpg'))).resolves.toMatchObject({ format: 'jpeg' });
    await expectUnreadable(decodeToRgb(file('cut-closed.jpg')), /truncated or corrupt JPEG/);
    await expect(decodeToRgb(file('whole.jpg'))).resolves.toMatchObject({ width: 64, height: 48 });
  });

  it('accepts a JPEG whose only fault is harmless', async () => {
    await expect(probeImage(file('stray.jpg'))).resolves.toMatchObject({ width: 64, height: 48 });
    const stray = await decodeToRgb(file('stray.jpg'));
    const whole = await decodeToRgb(file('whole.jpg'));
    expect(Buffer.from(stray.data).equals(Buffer.from(whole.data))).toBe(true);
  });

  it('reports non-images, empty and corrupt files', async () => {
    await expectUnreadable(decodeToRgb(file('text.jpg')), /^not an image \(it looks like a text file\)/);
    await expectUnreadable(decodeToRgb(file('empty.jpg')), /empty file/);
    await expectUnreadable(decodeToRgb(file('truncated.png')), /truncated or corrupt PNG/);
    await expectUnreadable(decodeToRgb(Buffer.from('BM not really a bitmap, just some words here to pass the length check')), /BMP/);
  });

  it('rejects a nonsensical resize target', async () => {
    await expect(decodeToRgb(file('red.png'), { width: 0, height: 5, resize: 'stretch' })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

/** the PNG without its chunks of one type */
function withoutPngChunk(png: Buffer, type: string): Buffer {
  const parts = [png.subarray(0, 8)];
  for (let at = 8; at < png.length;) {
    const end = at + 12 + png.readUInt32BE(at);
    if (png.subarray(at + 4, at + 8).toString('latin1') !== type) parts.push(png.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

describe('decodeForModel', () => {
  const square = { width: 224, height: 224, resize: 'stretch' as const };

  it('leaves a small PNG or BMP at its own size, with the pixels libvips decodes', async () => {
    // every kind of small PNG: the plain ones (fast-png) and those with something to convert (libvips)
    for (const name of ['red.png', 'grey.png', 'deep.png', 'palette.png', 'rgba.png', 'red.bmp']) {
      const img = await decodeForModel(file(name), square);
      expect([img.width, img.height], name).toEqual([16, 12]);
      expect(Buffer.from(img.data).equals(Buffer.from((await decodeToRgb(file(name))).data)), name).toBe(true);
    }
    const noise = await noisePng(32, 32, 5);
    const img = await decodeForModel(noise, square);
    expect(Buffer.from(img.data).equals(Buffer.from((await decodeToRgb(noise)).data))).toBe(true);
    // a square PNG that EXIF turns: the red corner moves from the top left to the top right
    // (sharp adds a colour profile too, which alone would send it to libvips: dropped here)
    const turned = withoutPngChunk(
      await fromRgb(withCorner(20, 20, BLUE, RED, 5), 20, 20)
        .png()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
      'iCCP',
    );
    const t = await decodeForModel(turned, square);
    expectColour(pixel(t, 19, 0), RED);
    expectColour(pixel(t, 0, 0), BLUE);
  });

  it('gives real Fashion-MNIST PNGs the same bytes as libvips', async () => {
    const data = await fashionMnistDataset({ perClass: 2 });
    for (const cls of fashionMnistClasses) {
      for (const f of (await readdir(path.join(data, cls))).map((n) => path.join(data, cls, n))) {
        const img = await decodeForModel(f, square);
        expect([img.width, img.height]).toEqual([28, 28]);
        expect(Buffer.from(img.data).equals(Buffer.from((await decodeToRgb(f)).data)), f).toBe(true);
      }
    }
  });

  it('resizes to the model input whatever would need more than an enlargement', async () => {
    // larger than the input; a JPEG (its size is not read without decoding); a small PNG whose
    // centre crop would cut it; an EXIF rotation the header does not show
    const cases: [string, Parameters<typeof decodeForModel>[1]][] = [
      ['whole.jpg', { width: 32, height: 32, resize: 'stretch' }],
      ['red.jpg', square],
      ['red.png', { ...square, resize: 'center-crop' }],
      ['exif6.jpg', square],
    ];
    for (const [name, target] of cases) {
      const img = await decodeForModel(file(name), target);
      expect([img.width, img.height], name).toEqual([target.width, target.height]);
      expect(Buffer.from(img.data).equals(Buffer.from((await decodeToRgb(file(name), target)).data)), name).toBe(true);
    }
  });

  it('reports broken files as decodeToRgb does', async () => {
    await expectUnreadable(decodeForModel(file('truncated.png'), square), /truncated or corrupt PNG/);
    await expectUnreadable(decodeForModel(file('empty.jpg'), square), /empty file/);
    await expectUnreadable(decodeForModel(file('drawing.png'), square), /not an image/);
  });
});

describe('pixelsToFloat', () => {
  it('maps 0..255 onto the model range', () => {
    const out = pixelsToFloat(new Uint8Array([0, 255, 51]), { ...defaultPreprocessing, range: [-1, 1] });
    expect(out).toBeInstanceOf(Float32Array);
    expect(out[0]).toBeCloseTo(-1, 6);
    expect(out[1]).toBeCloseTo(1, 6);
    expect(out[2]).toBeCloseTo(-0.6, 6);
    const unit = pixelsToFloat(new Uint8Array([0, 255]), { ...defaultPreprocessing, range: [0, 1] });
    expect(Array.from(unit)).toEqual([0, 1]);
  });
});
