import { defineStore } from 'pinia';
import { api } from '../api/client';

/**
 * Thumbnails of dataset images as data URLs, fetched once each. Kept out of reactive state:
 * hundreds of base64 strings gain nothing from being watched. Failures resolve to null so a
 * missing file shows a placeholder instead of a banner per image.
 */
const LIMIT = 600;

export const useThumbnailStore = defineStore('thumbnails', () => {
  const cache = new Map<string, Promise<string | null>>();

  function get(root: string, relPath: string, size = 96): Promise<string | null> {
    const key = `${size}\u0000${root}\u0000${relPath}`;
    let hit = cache.get(key);
    if (hit) {
      // refresh its place so the oldest, not the most used, are evicted
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    hit = api
      .call('dataset.thumbnail', { root, relPath, size })
      .then((r) => r.dataUrl)
      .catch(() => {
        cache.delete(key);
        return null;
      });
    cache.set(key, hit);
    if (cache.size > LIMIT) cache.delete(cache.keys().next().value as string);
    return hit;
  }

  return { get };
});
