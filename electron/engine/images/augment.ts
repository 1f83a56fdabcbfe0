import { loadSharp } from './sharpLib';
import { fnv1a } from '../../../shared/sampling';
import { seededRandom } from '../train/rng';
import { decodeToRgb, type ImageInput, type ResizeTarget, type RgbImage } from './decodeImage';

/**
 * Augmentation that keeps the bottleneck cache: variant k of an image is a fixed, seeded
 * transformation of it (flip, crop, rotation, brightness, contrast), so its features are
 * extracted once and cached like the plain image's; each training epoch then draws among the
 * variants. Variant 0 is the image itself.
 *
 * The ranges are the moderate ones of Keras's and torchvision's augmentation tutorials:
 * strong enough to show the network a photo it has not seen, mild enough to keep the label
 * true (a 180° turn of a "6" is a "9").
 */
export const augmentPolicyVersion = 1;

export interface AugmentParams {
  flip: boolean;
  /** degrees, clockwise */
  rotate: number;
  /** the crop's side as a fraction of the image's, and its top-left corner as a fraction of the slack */
  crop: { scale: number; x: number; y: number };
  brightness: number;
  contrast: number;
}

export function augmentParams(contentHash: string, variant: number): AugmentParams {
  const r = seededRandom(fnv1a(`${augmentPolicyVersion}:${contentHash}:${variant}`));
  const between = (lo: number, hi: number) => lo + (hi - lo) * r();
  return {
    flip: r() < 0.5,
    rotate: between(-15, 15),
    crop: { scale: between(0.8, 1), x: r(), y: r() },
    brightness: between(0.8, 1.2),
    contrast: between(0.8, 1.2),
  };
}

/**
 * The image as decodeToRgb gives it, transformed, then fitted to the model's input. Rotation
 * turns inside the frame (the corners it uncovers are filled with the image's mean colour,
 * not black bars the network could learn), and the crop is taken from the rotated frame.
 */
export async function decodeAugmented(input: ImageInput, target: ResizeTarget, p: AugmentParams): Promise<RgbImage> {
  // a camera photo is shrunk first: augmenting 12 megapixels to feed 224×224 would waste the memory a Jetson has not got
  const full = await decodeToRgb(input, { maxSide: 2 * Math.max(target.width, target.height) });
  const sharp = await loadSharp();
  let mean = 0;
  for (let i = 0; i < full.data.length; i++) mean += full.data[i]!;
  mean = Math.round(mean / Math.max(1, full.data.length));
  const raw = { raw: { width: full.width, height: full.height, channels: 3 as const } };
  let step = sharp(full.data, raw);
  if (p.flip) step = step.flop();
  const turned = await step
    .rotate(p.rotate, { background: { r: mean, g: mean, b: mean } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // the rotated frame is larger; crop back inside the original's size first
  const side = (n: number) => Math.max(1, Math.round(n * p.crop.scale));
  const w = side(full.width);
  const h = side(full.height);
  const left = Math.round(((turned.info.width - full.width) >> 1) + (full.width - w) * p.crop.x);
  const top = Math.round(((turned.info.height - full.height) >> 1) + (full.height - h) * p.crop.y);
  // contrast about mid-grey, then brightness: out = b·(c·(in − 128) + 128)
  const a = p.brightness * p.contrast;
  const offset = p.brightness * 128 * (1 - p.contrast);
  const { data, info } = await sharp(turned.data, { raw: { width: turned.info.width, height: turned.info.height, channels: 3 } })
    .extract({ left, top, width: w, height: h })
    .resize({ width: target.width, height: target.height, fit: target.resize === 'stretch' ? 'fill' : 'cover', position: 'centre', kernel: 'linear' })
    .linear(a, offset)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/**
 * The plain image and its first augmented variants as small JPEGs: what the Train step shows
 * of "augmented copies", made exactly as the extraction makes them (the same seeds).
 */
export async function augmentPreviewJpegs(file: string, contentHash: string, variants: number, size: number): Promise<Buffer[]> {
  const target = { width: size, height: size, resize: 'center-crop' as const };
  const sharp = await loadSharp();
  const images = [await decodeToRgb(file, target)];
  for (let k = 1; k <= variants; k++) images.push(await decodeAugmented(file, target, augmentParams(contentHash, k)));
  return Promise.all(
    images.map((img) =>
      sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
        .jpeg({ quality: 82 })
        .toBuffer(),
    ),
  );
}
