import path from 'node:path';

/** Which names in a dataset folder are photos, and which are left there by an operating system. */

const imageExtensions = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff']);

export function isImageFileName(name: string): boolean {
  return imageExtensions.has(path.extname(name).toLowerCase());
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
