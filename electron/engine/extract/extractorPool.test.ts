import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPreprocessing } from '../../../shared/preprocessing';
import { fashionMnistDataset } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { BottleneckCache } from '../cache/bottleneckCache';
import { ExtractorPool } from './extractorPool';
import type { WorkerInit } from './protocol';

let images: string[];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-pool-'));

beforeAll(async () => {
  const ds = await fashionMnistDataset({ perClass: 20 });
  images = ['0_tshirt_top', '9_ankle_boot'].flatMap((c) => fs.readdirSync(path.join(ds, c)).map((f) => path.join(ds, c, f)));
});

function init(over: Partial<WorkerInit> = {}): { init: WorkerInit; cache: BottleneckCache } {
  const cache = new BottleneckCache(path.join(root, String(Math.random())), { modelKey: 'mnv2', cut: 'flatten_1', pooling: 'none', preprocessing: defaultPreprocessing, featureDim: 1280 });
  return {
    cache,
    init: { modelDir: pretrainedModelDir('mobilenet_v2'), format: 'layers', cut: 'flatten_1', pooling: 'none', preprocessing: defaultPreprocessing, backend: 'wasm', runtime: 'auto', cacheDir: cache.dir, featureDim: 1280, parityCheck: true, ...over },
  };
}

describe('extraction worker pool', () => {
  it('two workers write the same features as one, for every image', async () => {
    const a = init();
    const b = init();
    const items = (c: BottleneckCache) => images.map((p, i) => ({ absPath: p, hash: `h${i}`, file: c.fileFor(`h${i}`) }));
    const one = await ExtractorPool.start(a.init, { workers: 1, batchSize: 8 });
    const two = await ExtractorPool.start(b.init, { workers: 2, batchSize: 5 });
    try {
      expect(one.info.runtime).toBe('fused');
      expect(one.info.parityMaxDiff).toBeLessThan(1e-3);
      const progress: number[] = [];
      const r1 = await one.extract(items(a.cache), { onProgress: (p) => progress.push(p.done) });
      const r2 = await two.extract(items(b.cache));
      expect(r1.extracted).toBe(40);
      expect(r2.extracted).toBe(40);
      expect(progress.at(-1)).toBe(40);
      for (let i = 0; i < 40; i++) {
        const x = a.cache.readBatch([`h${i}`]);
        const y = b.cache.readBatch([`h${i}`]);
        let d = 0;
        for (let k = 0; k < x.length; k++) d = Math.max(d, Math.abs(x[k]! - y[k]!));
        expect(d).toBeLessThan(1e-4);
      }
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('backs off to smaller batches when an allocation fails, and finishes', async () => {
    process.env.TRANSFER_LAB_FAULT_OOM_ABOVE = '3';
    const { init: i, cache } = init();
    const sizes: number[] = [];
    const pool = await ExtractorPool.start(i, { workers: 1, batchSize: 12, onBackoff: (s) => sizes.push(s) });
    delete process.env.TRANSFER_LAB_FAULT_OOM_ABOVE;
    try {
      const r = await pool.extract(images.slice(0, 12).map((p, k) => ({ absPath: p, hash: `b${k}`, file: cache.fileFor(`b${k}`) })));
      expect(r.extracted).toBe(12);
      expect(r.failed).toEqual([]);
      expect(sizes).toEqual([6, 3]);
    } finally {
      await pool.close();
    }
  });

  it('the plain TF.js runtime can be forced, and gives the same features', async () => {
    const fused = init();
    const plain = init({ runtime: 'layers' });
    const p1 = await ExtractorPool.start(fused.init, { workers: 1, batchSize: 4 });
    const p2 = await ExtractorPool.start(plain.init, { workers: 1, batchSize: 4 });
    try {
      expect(p2.info.runtime).toBe('layers');
      const it4 = (c: BottleneckCache) => images.slice(0, 4).map((p, k) => ({ absPath: p, hash: `p${k}`, file: c.fileFor(`p${k}`) }));
      await p1.extract(it4(fused.cache));
      await p2.extract(it4(plain.cache));
      const x = fused.cache.readBatch(['p0', 'p1', 'p2', 'p3']);
      const y = plain.cache.readBatch(['p0', 'p1', 'p2', 'p3']);
      expect(Math.max(...x.map((v, k) => Math.abs(v - y[k]!)))).toBeLessThan(1e-3);
    } finally {
      await p1.close();
      await p2.close();
    }
  });

  it('names an image it cannot decode and carries on', async () => {
    const { init: i, cache } = init();
    const bad = path.join(root, 'bad.png');
    fs.writeFileSync(bad, 'not a png');
    const pool = await ExtractorPool.start(i, { workers: 1, batchSize: 4 });
    try {
      const r = await pool.extract([bad, images[0]!].map((p, k) => ({ absPath: p, hash: `d${k}`, file: cache.fileFor(`d${k}`) })));
      expect(r.extracted).toBe(1);
      expect(r.failed).toEqual([expect.objectContaining({ absPath: bad })]);
      expect(r.failed[0]!.reason).toMatch(/image/i);
    } finally {
      await pool.close();
    }
  });
});
