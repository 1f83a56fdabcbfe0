import { readFile } from 'node:fs/promises';
import type { FailOnOptions, Metadata, Sharp } from 'sharp';
import { loadSharp } from './sharpLib';
import { TransferLabError } from '../../../shared/errors';
import type { Preprocessing } from '../../../shared/preprocessing';
import { BmpError, decodeBmp, readBmpHeader } from './bmp';
import { describeNonImage, sniffImageFormat, truncationProblem, type SniffedFormat } from './sniff';
import { heicReason } from './imageFiles';

/**
 * The one place images are decoded. It depends on nothing in the engine but shared types, so
 * it can move into a worker or utility process unchanged; inputs and outputs are plain
 * bytes and numbers that cross a process boundary as they are.
 */

/** a path to read, or the file's bytes when the caller already holds them */
export type ImageInput = string | Uint8Array;

export interface ImageInfo {
  /** as displayed, i.e. after EXIF orientation */
  width: number;
  height: number;
  format: string;
}

export type ResizeTarget = Pick<Preprocessing, 'width' | 'height' | 'resize'>;

/** no larger than maxSide on either side, proportions kept, never enlarged */
export interface BoundTarget {
  maxSide: number;
}

export interface RgbImage {
  /** 8-bit sRGB, rows top to bottom, 3 interleaved channels (HWC) */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Reasons starting with this mean "the file is something else", not "the image is damaged". */
export const NOT_AN_IMAGE = 'not an image';

export function isNotAnImageReason(reason: string): boolean {
  return reason.startsWith(NOT_AN_IMAGE);
}

const unreadableHint = 'Open the file in an image viewer; if it does not show, remove it from the dataset or re-save it as JPEG or PNG.';

function unreadable(reason: string, cause?: unknown): TransferLabError {
  return new TransferLabError('IMAGE_UNREADABLE', reason, unreadableHint, { cause });
}

export async function loadBytes(input: ImageInput): Promise<Uint8Array> {
  if (typeof input !== 'string') return input;
  try {
    return await readFile(input);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw unreadable('file not found', e);
    if (code === 'EISDIR') throw unreadable('is a folder, not a file', e);
    if (code === 'EACCES' || code === 'EPERM') throw unreadable('no permission to read the file', e);
    throw unreadable(`cannot read the file (${code ?? String(e)})`, e);
  }
}

/** Sniffs the bytes and runs the cheap completeness check shared by probe and decode. */
export function identify(bytes: Uint8Array): SniffedFormat {
  if (bytes.length === 0) throw unreadable('empty file (0 bytes)');
  const format = sniffImageFormat(bytes);
  if (format === null) throw unreadable(`${NOT_AN_IMAGE} (${describeNonImage(bytes)})`);
  const truncated = truncationProblem(bytes, format);
  if (truncated !== null) throw unreadable(truncated);
  return format;
}

const formatLabel: Record<SniffedFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  gif: 'GIF',
  webp: 'WebP',
  tiff: 'TIFF',
  bmp: 'BMP',
  heif: 'HEIF/AVIF',
};

/** Turns a libvips/sharp message into a reason a student can act on. */
function decodeFailure(format: SniffedFormat, e: unknown): TransferLabError {
  if (e instanceof BmpError) return unreadable(e.message, e);
  const msg = e instanceof Error ? e.message : String(e);
  const label = formatLabel[format];
  if (/premature end|truncated|unexpected end|not enough data|read error/i.test(msg)) {
    return unreadable(`truncated or corrupt ${label}`, e);
  }
  if (/pixel limit/i.test(msg)) return unreadable('image too large (over 268 megapixels)', e);
  if (/unsupported image format|bad seek|compression format has not been built in/i.test(msg)) {
    return unreadable(`unsupported ${label} variant; re-save it as JPEG or PNG`, e);
  }
  return unreadable(`corrupt ${label} (${msg.split('\n')[0]?.replace(/^Vips\w*:\s*/, '')})`, e);
}

/** Cheap check: container structure and header only; no pixels are decoded (except BMP's header). */
export async function probeImage(input: ImageInput): Promise<ImageInfo> {
  const bytes = await loadBytes(input);
  const format = identify(bytes);
  if (format === 'bmp') {
    try {
      const h = readBmpHeader(bytes);
      return { width: h.width, height: h.height, format: 'bmp' };
    } catch (e) {
      throw decodeFailure(format, e);
    }
  }
  let meta: Metadata;
  try {
    const sharp = await loadSharp();
    meta = await sharp(bytes).metadata();
  } catch (e) {
    throw decodeFailure(format, e);
  }
  if (meta.format === 'heif' && meta.compression === 'hevc') {
    throw unreadable(heicReason);
  }
  const { width, height } = meta.autoOrient;
  if (!(width > 0 && height > 0)) throw unreadable(`corrupt ${formatLabel[format]} (no image size in the header)`);
  return { width, height, format: meta.format };
}

/**
 * Decodes to 8-bit sRGB RGB, optionally resized to the model's input.
 * EXIF orientation is applied, so pixels are as a viewer shows them. CMYK, greyscale,
 * 16-bit and palette images come out as 8-bit sRGB. Animated GIF/WebP and multi-page TIFF
 * give their first frame.
 */
export async function decodeToRgb(input: ImageInput, target?: ResizeTarget | BoundTarget): Promise<RgbImage> {
  const bytes = await loadBytes(input);
  const format = identify(bytes);
  if (
    target && 'maxSide' in target
      ? !(Number.isInteger(target.maxSide) && target.maxSide > 0)
      : target && !(Number.isInteger(target.width) && target.width > 0 && Number.isInteger(target.height) && target.height > 0)
  ) {
    throw new TransferLabError('BAD_ARGUMENT', `resize target must be positive whole pixels, got ${JSON.stringify(target)}`);
  }
  try {
    if (format !== 'jpeg') return await decodePipeline(bytes, format, 'truncated', target);
    try {
      return await decodePipeline(bytes, format, 'warning', target);
    } catch (e) {
      if (!isBenignJpegWarning(e)) throw e;
      return await decodePipeline(bytes, format, 'truncated', target);
    }
  } catch (e) {
    if (e instanceof TransferLabError) throw e;
    throw decodeFailure(format, e);
  }
}

/**
 * How strict the decoder is. A JPEG whose entropy data stops early but still ends in an EOI
 * marker passes 'truncated' and 'error' and decodes with its lower part flat grey; only
 * 'warning' reports it, so JPEGs are decoded at 'warning'. A few warnings are harmless
 * (stray bytes before a marker, odd SOS parameters from some cameras); those get a second,
 * lenient pass rather than losing a good photo. Other formats stay at 'truncated': libtiff
 * warns about every unknown tag, and truncation there is caught by the structure check.
 */
function isBenignJpegWarning(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /extraneous bytes before marker|Invalid SOS parameters for sequential JPEG/i.test(msg);
}

async function decodePipeline(
  bytes: Uint8Array,
  format: SniffedFormat,
  failOn: FailOnOptions,
  target: ResizeTarget | BoundTarget | undefined,
): Promise<RgbImage> {
  const sharp = await loadSharp();
  let pipeline: Sharp;
  if (format === 'bmp') {
    const px = decodeBmp(bytes);
    pipeline = sharp(px.data, { raw: { width: px.width, height: px.height, channels: px.channels } });
  } else {
    pipeline = sharp(bytes, { failOn, pages: 1, page: 0 });
  }
  pipeline = pipeline
    .autoOrient()
    // Transparent pixels' colour is undefined (often black); white is what a student sees in
    // a viewer and what product shots and clip-art are cut out against, so the network sees
    // the picture the student labelled.
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .toColourspace('srgb');
  if (target && 'maxSide' in target) {
    pipeline = pipeline.resize({ width: target.maxSide, height: target.maxSide, fit: 'inside', withoutEnlargement: true, kernel: 'linear' });
  } else if (target) {
    // bilinear, as Keras, tf.image.resize and torchvision resize the images these backbones
    // learnt from (and a fifth cheaper than libvips' default Lanczos); libvips still averages
    // every source pixel when it shrinks a large photo
    pipeline = pipeline.resize({
      width: target.width,
      height: target.height,
      fit: target.resize === 'stretch' ? 'fill' : 'cover',
      position: 'centre',
      kernel: 'linear',
    });
  }
  const { data, info } = await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data: toRgb(data, info.width, info.height, info.channels), width: info.width, height: info.height };
}

/** sharp gives 3 channels after toColourspace('srgb'); this guards the contract if that ever changes. */
export function toRgb(data: Buffer, width: number, height: number, channels: number): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (channels === 3) return bytes;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (channels < 3) out.fill(bytes[i * channels]!, i * 3, i * 3 + 3);
    else out.set(bytes.subarray(i * channels, i * channels + 3), i * 3);
  }
  return out;
}
