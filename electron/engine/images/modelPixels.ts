import { decode as decodePng } from 'fast-png';
import { rangeScaleOffset, type Preprocessing } from '../../../shared/preprocessing';
import { readBmpHeader } from './bmp';
import { decodeToRgb, identify, loadBytes, toRgb, type ImageInput, type ResizeTarget, type RgbImage } from './decodeImage';
import type { SniffedFormat } from './sniff';

/** From a file to the numbers a network takes: the cheapest decode that gives the same pixels, then scaling. */

/**
 * Pixels for the network: at the model's input size, or — for an image no larger than that
 * input, which the network would only see enlarged — at the image's own size, for a runtime
 * that enlarges it itself (bilinear, half-pixel centres, as Keras and tf.image do). A 28×28
 * PNG then crosses threads as 2 KiB instead of 147 KiB, and ONNX Runtime enlarges it for a
 * quarter of libvips' cost. Only PNG and BMP, whose headers give the size without decoding,
 * and only where the enlargement alone fits it: any side count (stretch), or a square into a
 * square (centre crop) — EXIF rotation cannot change either.
 */
export async function decodeForModel(input: ImageInput, target: ResizeTarget): Promise<RgbImage> {
  const bytes = await loadBytes(input);
  const format = identify(bytes);
  const size = headerSize(bytes, format);
  if (size && enlargesOnly(size, target)) return (format === 'png' ? plainPngPixels(bytes) : null) ?? decodeToRgb(bytes);
  return decodeToRgb(bytes, target);
}

/** chunks that change no pixel: anything else (a colour profile, gamma, transparency, EXIF rotation) goes to libvips */
const inertPngChunks = new Set(['IHDR', 'IDAT', 'IEND', 'tEXt', 'zTXt', 'iTXt', 'tIME', 'pHYs', 'sRGB']);

/**
 * A plain PNG (the caller has sniffed it) — 8-bit grey or RGB, not interlaced, no chunk that changes a pixel — decoded by
 * fast-png in a few microseconds, where a libvips pipeline costs most of a millisecond to set
 * up for a thumbnail-sized image. Its pixels are the same bytes libvips gives (PNG is lossless
 * and there is nothing to convert); anything else returns null.
 */
function plainPngPixels(b: Uint8Array): RgbImage | null {
  if (b.length < 33) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const [depth, colourType, interlace] = [b[24], b[25], b[28]];
  if (depth !== 8 || (colourType !== 0 && colourType !== 2) || interlace !== 0) return null;
  for (let at = 8; at + 8 <= b.length;) {
    const type = String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    if (!inertPngChunks.has(type)) return null;
    if (type === 'IEND') break;
    at += 12 + v.getUint32(at);
  }
  try {
    const png = decodePng(b);
    if (png.depth !== 8 || (png.channels !== 1 && png.channels !== 3)) return null;
    const px = png.data as Uint8Array;
    return {
      data:
        png.channels === 3
          ? new Uint8Array(px.buffer, px.byteOffset, px.byteLength)
          : toRgb(Buffer.from(px.buffer, px.byteOffset, px.byteLength), png.width, png.height, 1),
      width: png.width,
      height: png.height,
    };
  } catch {
    // a damaged file: libvips names what is wrong with it
    return null;
  }
}

function enlargesOnly(s: { width: number; height: number }, t: ResizeTarget): boolean {
  const side = Math.min(t.width, t.height);
  if (Math.max(s.width, s.height) > side) return false;
  return t.resize === 'stretch' || (s.width === s.height && t.width === t.height);
}

/** width and height from a PNG's IHDR or a BMP's header, without decoding; null otherwise */
function headerSize(b: Uint8Array, format: SniffedFormat): { width: number; height: number } | null {
  if (format === 'png' && b.length >= 24) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { width: v.getUint32(16), height: v.getUint32(20) };
  }
  if (format === 'bmp') {
    try {
      const h = readBmpHeader(b);
      return { width: h.width, height: h.height };
    } catch {
      return null;
    }
  }
  return null;
}

/** value = pixel * scale + offset, mapping 0..255 onto the model's range */
export function pixelsToFloat(data: Uint8Array, p: Preprocessing): Float32Array {
  const { scale, offset } = rangeScaleOffset(p);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * scale + offset;
  return out;
}
