import path from 'node:path';

/** Which names in a dataset folder are photos, and which are left there by an operating system. */

const imageExtensions = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.avif']);

export function isImageFileName(name: string): boolean {
  return imageExtensions.has(path.extname(name).toLowerCase());
}

/** what an iPhone's photos are, and what to do: the bundled libvips reads HEIC headers but carries no HEVC decoder */
export const heicReason = 'HEIC photo (iPhone format), which cannot be decoded here; export it as JPEG';

/** why a name Node lists with U+FFFD in it opens nothing: its bytes are not UTF-8 (the dataset walk and the folder browser say it) */
export const notUtf8Name = "its name is not UTF-8 text (an older system's or archive's encoding)";

/** a photo by its name that cannot be decoded here, with the reason; null for any other name */
export function undecodablePhotoReason(name: string): string | null {
  return /\.(heic|heif)$/i.test(name) ? heicReason : null;
}

const systemNames = new Set([
  '.ds_store',
  'thumbs.db',
  'ehthumbs.db',
  'ehthumbs_vista.db',
  'desktop.ini',
  '__macosx',
  '@eadir',
  '$recycle.bin',
  'system volume information',
  'icon\r',
  'lost+found',
]);

/**
 * Files and folders that operating systems, NAS boxes and archivers leave beside photos.
 * Dot-files include macOS's "._photo.jpg" resource forks, which carry an image extension
 * but hold no image.
 */
export function isHiddenOrSystemFile(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('~$')) return true;
  return systemNames.has(name.toLowerCase());
}
