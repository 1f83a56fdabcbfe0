import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { BottleneckCache } from '../cache/bottleneckCache';
import { scanDataset } from '../dataset/scanDataset';
import { initBackend } from '../tf/backend';
import { cachedFeatureSource } from './featureSource';
import { trainRun, type TrainRunResult } from './trainRun';

/** Augmented variants of the training images, extracted once into the cache, drawn per epoch. */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-augment-'));
const cacheDir = path.join(work, 'cache');
let dataset: string;
let run: TrainRunResult;
const split = { val: 0.2, test: 0.2 };

beforeAll(async () => {
  await initBackend('wasm');
  dataset = await fashionMnistCopy({ perClass: 10, classes: ['1_trouser', '7_sneaker', '8_bag'], dest: path.join(work, 'photos') });
  run = await trainRun({
    dataset,
    model: pretrainedModelDir('mobilenet_v2'),
    config: { epochs: 4, augmentVariants: 2 },
    split,
    cacheDir,
    outDir: path.join(work, 'run'),
  });
});

describe('augmentation that keeps the cache', () => {
  it('caches two variants of each training image and none of the validation or test images', async () => {
    const scan = await scanDataset(dataset, { split });
    const cache = new BottleneckCache(cacheDir, {
      modelKey: run.record.model.key,
      cut: run.record.model.cut,
      pooling: run.record.model.pooling,
      preprocessing: run.record.model.preprocessing,
      featureDim: run.record.model.featureDim,
    });
    expect(cache.dir).toBe(run.record.cache.dir);
    for (const img of scan.images) {
      expect(cache.has(img.contentHash, 0)).toBe(true);
      for (const k of [1, 2]) expect(cache.has(img.contentHash, k), `${img.relPath} v${k}`).toBe(img.split === 'train');
    }
    // a variant's features are not the plain image's
    const train = scan.images.find((i) => i.split === 'train')!;
    const [v0, v1] = [cache.readBatch([train.contentHash], [0]), cache.readBatch([train.contentHash], [1])];
    expect(v0.some((x, i) => Math.abs(x - v1[i]!) > 1e-3)).toBe(true);
  });

  it('draws among the variants from epoch to epoch, the same way for the same seed', async () => {
    const scan = await scanDataset(dataset, { split });
    const cache = new BottleneckCache(cacheDir, {
      modelKey: run.record.model.key,
      cut: run.record.model.cut,
      pooling: run.record.model.pooling,
      preprocessing: run.record.model.preprocessing,
      featureDim: run.record.model.featureDim,
    });
    const trainImages = scan.images.filter((i) => i.split === 'train');
    const src = cachedFeatureSource(cache, trainImages, { variants: 2, seed: 42 });
    const all = trainImages.map((_, i) => i);
    const e1 = src.read(all, 1);
    const e2 = src.read(all, 2);
    expect(e1.some((x, i) => x !== e2[i])).toBe(true);
    expect(src.read(all, 1)).toEqual(e1);
    // without an epoch (validation, test) the plain images
    expect(src.read(all)).toEqual(cache.readBatch(trainImages.map((i) => i.contentHash)));
  });

  it('a second run with the same augmentation extracts nothing', async () => {
    const again = await trainRun({
      dataset,
      model: pretrainedModelDir('mobilenet_v2'),
      config: { epochs: 1, augmentVariants: 2 },
      split,
      cacheDir,
      outDir: path.join(work, 'run2'),
    });
    expect(again.record.cache.misses).toBe(0);
    expect(again.record.extractor.runtime).toBe('cache');
  });
});
