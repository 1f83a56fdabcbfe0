import { decode as decodeBmpPixels } from 'fast-bmp';

/**
 * BMP support for the images module. sharp's prebuilt libvips has no BMP loader, so fast-bmp
 * decodes the pixels and sharp takes them as raw. fast-bmp trusts its input and only knows
 * part of the format, so the header is checked here first: a corrupt header would otherwise
 * make it allocate gigabytes or read past the end, and its errors are not words for students.
 * Errors thrown here carry a plain-words reason; the caller wraps them.
 */

/** sharp's default limitInputPixels, so a BMP is held to the same bound as every other format */
const MAX_PIXELS = 0x3fff * 0x3fff;

export interface BmpHeader {
  width: number;
  height: number;
  /** rows stored top to bottom (negative height in the file) */
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  pixelOffset: number;
  headerSize: number;
}

export class BmpError extends Error {}

export function readBmpHeader(b: Uint8Array): BmpHeader {
  if (b.length < 54) throw new BmpError('truncated or corrupt BMP (header cut short)');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pixelOffset = v.getUint32(10, true);
  const headerSize = v.getUint32(14, true);
  if (headerSize === 12 || headerSize === 64) {
    throw new BmpError('unsupported BMP variant (old OS/2 format); re-save it as PNG or JPEG');
  }
  if (![40, 52, 56, 108, 124].includes(headerSize)) throw new BmpError('corrupt BMP (unknown header)');
  const width = v.getInt32(18, true);
  const rawHeight = v.getInt32(22, true);
  const bitsPerPixel = v.getUint16(28, true);
  const compression = v.getUint32(30, true);
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new BmpError('corrupt BMP (zero or negative size)');
  if (![1, 2, 4, 8, 16, 24, 32, 48, 64].includes(bitsPerPixel)) throw new BmpError('corrupt BMP (impossible bit depth)');
  if (![1, 8, 24, 32].includes(bitsPerPixel)) {
    throw new BmpError(`unsupported BMP variant (${bitsPerPixel}-bit); re-save it as PNG or JPEG`);
  }
  const bitfields32 = compression === 3 && bitsPerPixel === 32;
  if (compression !== 0 && !bitfields32) {
    throw new BmpError('unsupported BMP variant (compressed BMP); re-save it as PNG or JPEG');
  }
  // fast-bmp reads colour masks at offset 54 for every 32-bit file and rejects anything but
  // the standard BGRA layout, even where the format says masks are absent.
  if (bitsPerPixel === 32) {
    const standard = b.length >= 66 && v.getUint32(54, true) === 0x00ff0000 && v.getUint32(58, true) === 0x0000ff00 && v.getUint32(62, true) === 0x000000ff;
    if (!standard) {
      throw new BmpError('unsupported BMP variant (32-bit without colour masks); re-save it as PNG or JPEG');
    }
  }
  const stride = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  if (pixelOffset < 54 || pixelOffset + stride * height > b.length) {
    throw new BmpError('truncated or corrupt BMP (the file ends before the pixel data does)');
  }
  if (width * height > MAX_PIXELS) throw new BmpError(`image too large (${width}×${height} pixels)`);
  return { width, height, topDown: rawHeight < 0, bitsPerPixel, compression, pixelOffset, headerSize };
}

/** BGRA colour table entries, as RGB triplets; empty when the file has none */
function readPalette(b: Uint8Array, h: BmpHeader): Uint8Array {
  if (h.bitsPerPixel > 8) return new Uint8Array(0);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const start = 14 + h.headerSize;
  const declared = v.getUint32(46, true) || 1 << h.bitsPerPixel;
  const count = Math.max(0, Math.min(declared, 1 << h.bitsPerPixel, Math.floor((h.pixelOffset - start) / 4)));
  const rgb = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) {
    rgb[i * 3] = b[start + i * 4 + 2]!;
    rgb[i * 3 + 1] = b[start + i * 4 + 1]!;
    rgb[i * 3 + 2] = b[start + i * 4]!;
  }
  return rgb;
}

export interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** Decodes a BMP to 8-bit RGB or RGBA, rows top to bottom. */
export function decodeBmp(b: Uint8Array): RawPixels {
  const h = readBmpHeader(b);
  let input = b;
  if (h.topDown) {
    // fast-bmp reads the height as unsigned; give it a bottom-up copy and flip the rows after
    input = new Uint8Array(b);
    new DataView(input.buffer).setInt32(22, h.height, true);
  }
  let decoded: ReturnType<typeof decodeBmpPixels>;
  try {
    decoded = decodeBmpPixels(input);
  } catch (e) {
    throw new BmpError(`corrupt BMP (${e instanceof Error ? e.message : String(e)})`);
  }
  const src = toUint8(decoded.data);
  const { width, height } = h;
  const channels = decoded.channels;
  const n = width * height;
  let out: RawPixels;
  if (channels === 1) {
    out = { data: expandIndexed(src, n, h.bitsPerPixel, readPalette(b, h)), width, height, channels: 3 };
  } else if (channels === 2) {
    const data = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      data.fill(src[i * 2]!, i * 4, i * 4 + 3);
      data[i * 4 + 3] = src[i * 2 + 1]!;
    }
    out = { data, width, height, channels: 4 };
  } else if (channels === 3) {
    out = { data: src.slice(0, n * 3), width, height, channels: 3 };
  } else if (channels === 4) {
    out = { data: opaqueIfAlphaUnused(src.slice(0, n * 4)), width, height, channels: 4 };
  } else {
    throw new BmpError(`unsupported BMP variant (${channels} channels)`);
  }
  if (h.topDown) flipRows(out.data, width * out.channels, height);
  return out;
}

function toUint8(d: ReturnType<typeof decodeBmpPixels>['data']): Uint8Array {
  if (d instanceof Uint8Array) return d;
  if (ArrayBuffer.isView(d)) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (d instanceof ArrayBuffer || d instanceof SharedArrayBuffer) return new Uint8Array(d);
  throw new BmpError('corrupt BMP (decoder returned no pixels)');
}

/** fast-bmp returns palette indices (1-bit: 0/1, 8-bit: 0..255), not colours */
function expandIndexed(src: Uint8Array, n: number, bits: number, palette: Uint8Array): Uint8Array {
  const out = new Uint8Array(n * 3);
  const colours = palette.length / 3;
  for (let i = 0; i < n; i++) {
    const idx = src[i]!;
    if (idx < colours) {
      out[i * 3] = palette[idx * 3]!;
      out[i * 3 + 1] = palette[idx * 3 + 1]!;
      out[i * 3 + 2] = palette[idx * 3 + 2]!;
    } else {
      // no colour table: read the index as a grey level
      out.fill(bits === 1 ? idx * 255 : idx, i * 3, i * 3 + 3);
    }
  }
  return out;
}

/**
 * Many writers leave the fourth byte of a 32-bit BMP at zero, meaning "unused", not
 * "transparent"; taken as alpha, the whole image would vanish onto the background.
 */
function opaqueIfAlphaUnused(rgba: Uint8Array): Uint8Array {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 0) return rgba;
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return rgba;
}

function flipRows(data: Uint8Array, rowBytes: number, height: number): void {
  const tmp = new Uint8Array(rowBytes);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    tmp.set(data.subarray(top * rowBytes, (top + 1) * rowBytes));
    data.copyWithin(top * rowBytes, bottom * rowBytes, (bottom + 1) * rowBytes);
    data.set(tmp, bottom * rowBytes);
  }
}
