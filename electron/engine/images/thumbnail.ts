import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomicSync } from '../util/atomicWrite';
import { decodeToRgb } from './decodeImage';

/**
 * Small square JPEG previews for the app, cached on disk by file identity (path, size,
 * modification time) and edge length. Decoding goes through decodeImage like everything
 * else, so a thumbnail shows exactly what the network sees, EXIF orientation included.
 */
export async function thumbnailJpeg(file: string, size: number, cacheDir: string): Promise<Buffer> {
  const st = await fsp.stat(file);
  const key = crypto
    .createHash('sha1')
    .update(`${path.resolve(file)}\0${st.size}\0${st.mtimeMs}\0${size}`)
    .digest('hex');
  const cached = path.join(cacheDir, key.slice(0, 2), `${key}.jpg`);
  try {
    return await fsp.readFile(cached);
  } catch {
    // not made yet
  }
  const img = await decodeToRgb(file, { width: size, height: size, resize: 'center-crop' });
  const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ quality: 82 })
    .toBuffer();
  try {
    writeFileAtomicSync(cached, jpeg);
  } catch {
    // a thumbnail cache that cannot be written (full disk) only costs speed
  }
  return jpeg;
}
