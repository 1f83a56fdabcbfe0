import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { DatasetImage } from '../../../shared/dataset';
import { defaultPreprocessing } from '../../../shared/preprocessing';
import { BottleneckCache } from '../cache/bottleneckCache';
import { cachedFeatureSource } from './featureSource';
import { writeFeatureFile } from '../cache/featureFile';

const dim = 4;

async function cacheOf(n: number, variants = 0): Promise<{ cache: BottleneckCache; images: DatasetImage[] }> {
  const cache = new BottleneckCache(fs.mkdtempSync(path.join(os.tmpdir(), 'tl-src-')), {
    modelKey: 'm',
    cut: 'c',
    pooling: 'none',
    preprocessing: defaultPreprocessing,
    featureDim: dim,
  });
  await cache.init();
  const images = Array.from({ length: n }, (_, i) => ({ relPath: `a/${i}.png`, label: i % 2, contentHash: `h${i}` }) as DatasetImage);
  for (let i = 0; i < n; i++)
    for (let v = 0; v <= variants; v++) {
      fs.mkdirSync(path.dirname(cache.fileFor(`h${i}`, v)), { recursive: true });
      writeFeatureFile(
        cache.fileFor(`h${i}`, v),
        Float32Array.from({ length: dim }, (_, j) => i * 100 + v * 10 + j),
      );
    }
  return { cache, images };
}

describe('cachedFeatureSource', () => {
  it('reads each feature file once across epochs and gives the same numbers every time', async () => {
    const { cache, images } = await cacheOf(6);
    const reads = vi.spyOn(cache, 'readInto');
    const src = cachedFeatureSource(cache, images);
    const first = src.read([4, 0, 2], 1);
    expect(Array.from(first)).toEqual([400, 401, 402, 403, 0, 1, 2, 3, 200, 201, 202, 203]);
    first.fill(-1); // the caller's array is its own: the kept copy is not changed
    for (let epoch = 2; epoch <= 4; epoch++)
      expect(Array.from(src.read([0, 2, 4, 1], epoch))).toEqual([0, 1, 2, 3, 200, 201, 202, 203, 400, 401, 402, 403, 100, 101, 102, 103]);
    expect(reads).toHaveBeenCalledTimes(4);
  });

  it('keeps no more than its budget: past it, reads go to disk every time', async () => {
    const { cache, images } = await cacheOf(5);
    const reads = vi.spyOn(cache, 'readInto');
    const src = cachedFeatureSource(cache, images, undefined, 2 * dim * 4);
    for (let epoch = 1; epoch <= 3; epoch++) expect(src.read([0, 1, 2, 3, 4], epoch)[4 * dim]).toBe(400);
    // two kept after the first read; three read again in each of three epochs
    expect(reads).toHaveBeenCalledTimes(2 + 3 * 3);
  });

  it("keeps each augmented variant apart from the image's own features", async () => {
    const { cache, images } = await cacheOf(3, 2);
    const src = cachedFeatureSource(cache, images, { variants: 2, seed: 7 });
    const plain = cachedFeatureSource(cache, images, { variants: 2, seed: 7 }, 0);
    for (let epoch = 1; epoch <= 6; epoch++) expect(src.read([0, 1, 2], epoch)).toEqual(plain.read([0, 1, 2], epoch));
    expect(src.read([0, 1, 2])).toEqual(cache.readBatch(['h0', 'h1', 'h2']));
  });
});
