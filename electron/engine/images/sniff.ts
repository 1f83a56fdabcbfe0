/**
 * Magic-byte checks on a file's bytes. Private to the images module: the extension says what a
 * file claims to be, these say what it is, so a student gets "it looks like a PDF file" rather
 * than a codec's error string.
 */

export type SniffedFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'bmp' | 'heif';

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, Math.min(to, b.length)));
}

export function sniffImageFormat(b: Uint8Array): SniffedFormat | null {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  // BigTIFF
  if (startsWith(b, [0x49, 0x49, 0x2b, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (ascii(b, 0, 2) === 'BM' && b.length >= 26) return 'bmp';
  if (ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    if (/^(avif|avis|heic|heix|heim|heis|hevc|hevx|mif1|msf1)$/.test(brand)) return 'heif';
  }
  return null;
}

/** What a file that is not a supported image most likely is, as words for a student. */
export function describeNonImage(b: Uint8Array): string {
  if (ascii(b, 0, 5) === '%PDF-') return 'it looks like a PDF file';
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04])) return 'it looks like a ZIP archive or Office document';
  if (startsWith(b, [0x1f, 0x8b])) return 'it looks like a gzip archive';
  if (ascii(b, 4, 8) === 'ftyp') return 'it looks like a video (MP4/MOV)';
  if (ascii(b, 0, 4) === 'RIFF') return `it looks like a RIFF ${ascii(b, 8, 12).trim() || 'media'} file`;
  if (startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50])) return 'it looks like a JPEG 2000 image, which is not supported';
  if (startsWith(b, [0xff, 0x0a]) || startsWith(b, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) {
    return 'it looks like a JPEG XL image, which is not supported';
  }
  const head = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 512)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) {
    return 'it is an SVG drawing, not a bitmap image';
  }
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'it looks like a web page (HTML)';
  if (looksLikeText(b.subarray(0, 512))) return 'it looks like a text file';
  return 'its content is not a recognised image format';
}

function looksLikeText(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  let printable = 0;
  for (const c of b) {
    if (c === 0) return false;
    if (c === 9 || c === 10 || c === 13 || c >= 32) printable++;
  }
  return printable / b.length > 0.95;
}

/**
 * Header-only decoders (sharp's metadata) never look at the end of a file, so a copy that
 * stopped half-way passes them and would only fail, or decode half grey, at training time.
 * These checks walk the container structure, which costs nothing next to hashing the bytes.
 * Returns a reason in plain words, or null when the file looks complete.
 */
export function truncationProblem(b: Uint8Array, format: SniffedFormat): string | null {
  switch (format) {
    case 'jpeg':
      return jpegComplete(b) ? null : 'truncated or corrupt JPEG (the file ends before the image data does)';
    case 'png':
      return pngComplete(b) ? null : 'truncated or corrupt PNG (the file ends before its last chunk)';
    case 'webp': {
      const declared = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4, true) + 8;
      return b.length >= declared ? null : 'truncated WebP (the file is shorter than its header says)';
    }
    case 'gif':
      // the trailer byte 0x3B; some encoders pad after it, so only look near the end
      return b.subarray(Math.max(0, b.length - 16)).includes(0x3b) ? null : 'truncated GIF (no end marker)';
    default:
      return null;
  }
}

/**
 * The main image's entropy-coded data starts after its first SOS marker and ends at EOI
 * (FF D9). Inside entropy data a 0xFF byte is always followed by 0x00 or a restart marker,
 * so FF D9 after the SOS can only be the real end. The marker walk skips APPn segments,
 * whose embedded EXIF thumbnail carries its own FF D9 that would otherwise fool a plain search.
 * Data appended after EOI (phone "motion photos") is fine.
 */
const EOI = Buffer.from([0xff, 0xd9]);

function jpegComplete(b: Uint8Array): boolean {
  let pos = 2;
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) {
      // stray bytes between segments: decoders skip them with a warning, and so does this walk
      pos++;
      continue;
    }
    const marker = b[pos + 1]!;
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    const len = (b[pos + 2]! << 8) | b[pos + 3]!;
    if (marker === 0xda) {
      const bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      return bytes.indexOf(EOI, pos + 2 + len) !== -1;
    }
    pos += 2 + len;
  }
  return false;
}

function pngComplete(b: Uint8Array): boolean {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 8;
  while (pos + 12 <= b.length) {
    const len = view.getUint32(pos);
    const type = ascii(b, pos + 4, pos + 8);
    if (type === 'IEND') return true;
    pos += 12 + len;
  }
  return false;
}
