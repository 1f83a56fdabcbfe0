import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FeatureMapPoint } from '../../../shared/featureMap';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { initBackend } from '../tf/backend';
import { scanDataset } from '../dataset/scanDataset';
import { resolveModel } from '../models/resolveModel';
import { cutFeatureMap, featureMap } from './featureMap';
import { readRun } from './runFolder';
import { trainRun, type TrainRunResult } from './trainRun';

/** A trained run's bottleneck drawn as a map, from the features its run left in the cache. */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-featuremap-'));
const cacheDir = path.join(work, 'cache');
const classes = ['1_trouser', '7_sneaker', '8_bag'];
let run: TrainRunResult;

beforeAll(async () => {
  await initBackend('wasm');
  const dataset = await fashionMnistCopy({ perClass: 20, classes, dest: path.join(work, 'photos') });
  run = await trainRun({
    dataset,
    model: pretrainedModelDir('mobilenet_v2'),
    config: { epochs: 3, batchSize: 8, learningRate: 0.01, seed: 3 },
    split: { val: 0.15, test: 0.25 },
    cacheDir,
    outDir: path.join(work, 'run'),
  });
}, 300_000);

const files = (dir: string): number => fs.readdirSync(dir, { recursive: true }).length;

/** the share of points nearer their own class's centre than any other's, on the map */
function nearestCentreAgreement(points: readonly FeatureMapPoint[]): number {
  const centres = classes.map((_, c) => {
    const own = points.filter((p) => p.label === c);
    return [own.reduce((s, p) => s + p.x, 0) / own.length, own.reduce((s, p) => s + p.y, 0) / own.length] as const;
  });
  const nearest = (p: FeatureMapPoint) => centres.map(([x, y], c) => ({ c, d: (p.x - x) ** 2 + (p.y - y) ** 2 })).sort((a, b) => a.d - b.d)[0]!.c;
  return points.filter((p) => nearest(p) === p.label).length / points.length;
}

describe('featureMap', () => {
  it("places every image of the run's dataset from the cache, extracting nothing, and the classes lie apart", async () => {
    const before = files(cacheDir);
    const map = await featureMap(run.runDir, { cacheDir });
    expect(files(cacheDir)).toBe(before);
    expect(map.layer).toBe(readRun(run.runDir).model.cut);
    expect(map.featureDim).toBe(1280);
    expect(map.datasetImages).toBe(60);
    expect(map.failed).toBe(0);
    expect(map.points).toHaveLength(60);
    for (let c = 0; c < 3; c++) expect(map.points.filter((p) => p.label === c)).toHaveLength(20);
    expect(new Set(map.points.map((p) => p.path)).size).toBe(60);
    expect(map.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))).toBe(true);
    // the first axis carries the most, and the two not all of it
    expect(map.explained[0]).toBeGreaterThan(map.explained[1]);
    expect(map.explained[1]).toBeGreaterThan(0);
    expect(map.explained[0] + map.explained[1]).toBeLessThan(1);
    // trousers, sneakers and bags: ImageNet's features keep them apart even in two dimensions
    expect(nearestCentreAgreement(map.points)).toBeGreaterThanOrEqual(0.7);
  });

  it('marks each test image with what the run called it, and no other image', async () => {
    const map = await featureMap(run.runDir, { cacheDir });
    const said = new Map(readRun(run.runDir).evaluation.predictions.map((p) => [p.path, p.predictedLabel]));
    const tests = map.points.filter((p) => p.split === 'test');
    expect(tests.length).toBe(said.size);
    for (const p of tests) expect(p.predicted).toBe(said.get(p.path));
    expect(map.points.filter((p) => p.split !== 'test').every((p) => p.predicted === undefined)).toBe(true);
  });

  it('draws at most the points asked for, every class its share, test images first; the same each time', async () => {
    const map = await featureMap(run.runDir, { cacheDir, maxPoints: 9 });
    expect(map.points).toHaveLength(9);
    const testsOf = (c: number) => readRun(run.runDir).evaluation.predictions.filter((p) => p.trueLabel === c).length;
    for (let c = 0; c < 3; c++) {
      const own = map.points.filter((p) => p.label === c);
      expect(own).toHaveLength(3);
      // the split is a hash of each path: a class may hold fewer than 3 test images, then validation's follow
      const tests = Math.min(3, testsOf(c));
      expect(own.slice(0, tests).every((p) => p.split === 'test')).toBe(true);
      expect(own.slice(tests).every((p) => p.split !== 'test')).toBe(true);
    }
    expect(await featureMap(run.runDir, { cacheDir, maxPoints: 9 })).toEqual(map);
  });

  it('says plainly when the dataset is gone', async () => {
    const moved = path.join(work, 'photos-moved');
    fs.renameSync(path.join(work, 'photos'), moved);
    try {
      await expect(featureMap(run.runDir, { cacheDir })).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' });
    } finally {
      fs.renameSync(moved, path.join(work, 'photos'));
    }
  });
});

describe('cutFeatureMap, before any run', () => {
  it('places the images as a head cut lower would see them, extracting them into the cache a run at that cut reads', async () => {
    const scan = await scanDataset(path.join(work, 'photos'), { split: { val: 0.15, test: 0.25 } });
    const model = await resolveModel(pretrainedModelDir('mobilenet_v2'));
    const previewCache = path.join(work, 'preview-cache');
    const low = await cutFeatureMap(scan, model, 'block_13_expand_relu', { cacheDir: previewCache });
    expect(low.layer).toBe('block_13_expand_relu');
    // 14 × 14 × 576, averaged over the picture: one number a channel
    expect(low.featureDim).toBe(576);
    expect(low.points).toHaveLength(60);
    expect(low.points.every((p) => p.predicted === undefined)).toBe(true);
    const files = fs.readdirSync(previewCache, { recursive: true }).length;
    expect(files).toBeGreaterThan(60);
    // asked again, the features come from the cache
    expect(await cutFeatureMap(scan, model, 'block_13_expand_relu', { cacheDir: previewCache })).toEqual(low);
    expect(fs.readdirSync(previewCache, { recursive: true }).length).toBe(files);
    // no cut named: the model's own, as a run would take it
    const top = await cutFeatureMap(scan, model, null, { cacheDir: previewCache, maxPoints: 30 });
    expect(top.layer).toBe(run.record.model.cut);
    expect(top.points).toHaveLength(30);
  });
});
