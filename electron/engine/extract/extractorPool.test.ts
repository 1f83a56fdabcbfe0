import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPreprocessing } from '../../../shared/preprocessing';
import { fashionMnistDataset } from '../../../test/fixtures/fashionMnist';
import { mobilenetPoolInit } from '../../../test/fixtures/extractionPool';
import * as tfl from '@tensorflow/tfjs-layers';
import { BottleneckCache } from '../cache/bottleneckCache';
import { initBackend } from '../tf/backend';
import { fileSystemSaver } from '../tf/fsModelIO';
import { ExtractorPool } from './extractorPool';
import type { WorkerInit } from './protocol';

let images: string[];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-pool-'));

beforeAll(async () => {
  await initBackend('wasm');
  const ds = await fashionMnistDataset({ perClass: 20 });
  images = ['0_tshirt_top', '9_ankle_boot'].flatMap((c) => fs.readdirSync(path.join(ds, c)).map((f) => path.join(ds, c, f)));
});

function init(over: Partial<WorkerInit> = {}): { init: Omit<WorkerInit, 'threads'>; cache: BottleneckCache } {
  const cache = new BottleneckCache(path.join(root, String(Math.random())), {
    modelKey: 'mnv2',
    cut: 'flatten_1',
    pooling: 'none',
    preprocessing: defaultPreprocessing,
    featureDim: 1280,
  });
  return { cache, init: mobilenetPoolInit(cache.dir, over) };
}

const itemsFor = (c: BottleneckCache, prefix: string, files = images) =>
  files.map((p, i) => ({ absPath: p, hash: `${prefix}${i}`, file: c.fileFor(`${prefix}${i}`) }));

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let k = 0; k < a.length; k++) d = Math.max(d, Math.abs(a[k]! - b[k]!));
  return d;
}

describe('extraction worker pool', () => {
  it('auto runs ONNX Runtime sharing the cores among its workers, trusted after a parity check on real images; two TF.js workers write the same features', async () => {
    const a = init({ parityImages: images.slice(0, 2) });
    const b = init({ runtime: 'tfjs' });
    const onnx = await ExtractorPool.start(a.init, { workers: 1, batchSize: 8 });
    const tfjs = await ExtractorPool.start(b.init, { workers: 2, batchSize: 5 });
    try {
      expect(onnx.info).toMatchObject({ runtime: 'onnx', workers: 1, threads: os.availableParallelism() });
      expect(onnx.info.parityMaxDiff).toBeGreaterThan(0);
      expect(onnx.info.parityMaxDiff).toBeLessThan(1e-4);
      expect(tfjs.info).toMatchObject({ runtime: 'fused', workers: Math.min(2, os.availableParallelism()), threads: 1 });
      const progress: number[] = [];
      const r1 = await onnx.extract(itemsFor(a.cache, 'h'), { onProgress: (p) => progress.push(p.done) });
      const r2 = await tfjs.extract(itemsFor(b.cache, 'h'));
      expect(r1.extracted).toBe(40);
      expect(r2.extracted).toBe(40);
      expect(progress.at(-1)).toBe(40);
      expect(onnx.info.fallbackReason).toBeUndefined();
      for (let i = 0; i < 40; i++) expect(maxAbsDiff(a.cache.readBatch([`h${i}`]), b.cache.readBatch([`h${i}`]))).toBeLessThan(1e-4);
    } finally {
      await onnx.close();
      await tfjs.close();
    }
    // two ONNX workers split the cores between them and write the same features
    const c = init();
    const two = await ExtractorPool.start(c.init, { workers: 2, batchSize: 5 });
    try {
      expect(two.info).toMatchObject({ runtime: 'onnx', workers: 2, threads: Math.max(1, Math.floor(os.availableParallelism() / 2)) });
      // the pool's own thread compiled the graph and ran the TF.js model for the check while the
      // workers started (prepareOnPool.ts): no worker loaded TF.js, both run ONNX Runtime alone
      expect(two.info.tfjsWorkers).toBe(0);
      expect(two.info.parityMaxDiff).toBeLessThan(1e-4);
      await two.extract(itemsFor(c.cache, 'h'));
      for (let i = 0; i < 40; i++) expect(maxAbsDiff(a.cache.readBatch([`h${i}`]), c.cache.readBatch([`h${i}`]))).toBeLessThan(1e-5);
    } finally {
      await two.close();
    }
  });

  it('a second pool on the same cache folder reuses the compiled graph and its parity verdict: no TF.js model, the same features; a broken one is made anew', async () => {
    const a = init({ parityImages: images.slice(0, 2) });
    const files = images.slice(0, 4);
    const first = await ExtractorPool.start(a.init, { workers: 1, batchSize: 8 });
    try {
      expect(first.info).toMatchObject({ runtime: 'onnx', tfjsWorkers: 0 });
      expect(first.info.compiledFromCache).toBeUndefined();
      await first.extract(itemsFor(a.cache, 'x', files));
    } finally {
      await first.close();
    }
    const kept = fs.readdirSync(a.cache.dir).filter((f) => f.startsWith('frozen-'));
    expect(kept.sort()).toEqual([expect.stringMatching(/^frozen-ort[\d.]+-c\d+\.json$/), expect.stringMatching(/^frozen-ort[\d.]+-c\d+\.onnx$/)]);
    const second = await ExtractorPool.start(a.init, { workers: 2, batchSize: 8 });
    try {
      expect(second.info).toMatchObject({ runtime: 'onnx', compiledFromCache: true, tfjsWorkers: 0, parityMaxDiff: first.info.parityMaxDiff });
      await second.extract(itemsFor(a.cache, 'y', files));
      for (let i = 0; i < files.length; i++) expect(maxAbsDiff(a.cache.readBatch([`x${i}`]), a.cache.readBatch([`y${i}`]))).toBe(0);
    } finally {
      await second.close();
    }
    // a file that does not load (same length, other bytes) is removed and the graph compiled and checked anew
    const onnxFile = path.join(
      a.cache.dir,
      kept.find((f) => f.endsWith('.onnx'))!,
    );
    fs.writeFileSync(onnxFile, Buffer.alloc(fs.statSync(onnxFile).size, 7));
    const third = await ExtractorPool.start(a.init, { workers: 1, batchSize: 8 });
    try {
      // the kept files are there, so the worker reads them, finds them broken and does it all itself
      expect(third.info).toMatchObject({ runtime: 'onnx', tfjsWorkers: 1 });
      expect(third.info.compiledFromCache).toBeUndefined();
    } finally {
      await third.close();
    }
    // written once the worker was ready, and whole by the time it closed
    expect(fs.readFileSync(onnxFile)[0]).not.toBe(7);
  }, 400_000);

  it('ONNX Runtime, the fused TF.js graph and the plain TF.js model give the same features for real photos', async () => {
    const runs = (['onnx', 'fused', 'layers'] as const).map((runtime) => ({ runtime, ...init({ runtime }) }));
    const files = images.slice(0, 6);
    for (const r of runs) {
      const pool = await ExtractorPool.start(r.init, { workers: 1, batchSize: 3 });
      try {
        expect(pool.info.runtime).toBe(r.runtime);
        await pool.extract(itemsFor(r.cache, 'p', files));
      } finally {
        await pool.close();
      }
    }
    const hashes = files.map((_, k) => `p${k}`);
    const [onnx, fused, layers] = runs.map((r) => r.cache.readBatch(hashes));
    const scale = Math.max(...layers!.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    expect(maxAbsDiff(onnx!, layers!) / scale).toBeLessThan(1e-4);
    expect(maxAbsDiff(fused!, layers!) / scale).toBeLessThan(1e-4);
  });

  it("where the pool's thread cannot make the check's reference, the first worker checks the graph itself", async () => {
    const { init: i, cache } = init({ parityImages: images.slice(0, 2) });
    process.env.TRANSFER_LAB_FAULT_POOL_REFERENCE = 'fail';
    const pool = await ExtractorPool.start(i, { workers: 2, batchSize: 4 });
    delete process.env.TRANSFER_LAB_FAULT_POOL_REFERENCE;
    try {
      // the first worker loaded the TF.js model and checked the graph; the second runs the graph it was given
      expect(pool.info).toMatchObject({ runtime: 'onnx', workers: 2, tfjsWorkers: 1 });
      expect(pool.info.parityMaxDiff).toBeLessThan(1e-4);
      expect((await pool.extract(itemsFor(cache, 'r', images.slice(0, 6)))).extracted).toBe(6);
    } finally {
      await pool.close();
    }
  });

  it('a compiled graph that disagrees with TF.js is dropped for TF.js before it writes anything, with the reason', async () => {
    process.env.TRANSFER_LAB_FAULT_ONNX_SKEW = '0.5';
    const { init: i, cache } = init({ parityImages: [path.join(root, 'missing.png'), ...images.slice(0, 3)] });
    // the second worker waits for the first's verdict and runs what it fell back to
    const pool = await ExtractorPool.start(i, { workers: 2, batchSize: 4 });
    delete process.env.TRANSFER_LAB_FAULT_ONNX_SKEW;
    try {
      expect(pool.info).toMatchObject({ runtime: 'layers', workers: 2 });
      // the missing file was passed over for the next two
      expect(pool.info.fallbackReason).toMatch(/onnx failed the parity check against TF\.js \(relative difference .+ on 2 of the dataset's images\)/);
      const r = await pool.extract(itemsFor(cache, 's', images.slice(0, 8)));
      expect(r.extracted).toBe(8);
      // every feature is TF.js's
      const ref = init({ runtime: 'layers' });
      const p2 = await ExtractorPool.start(ref.init, { workers: 1, batchSize: 4 });
      await p2.extract(itemsFor(ref.cache, 's', images.slice(0, 8)));
      await p2.close();
      const hashes = images.slice(0, 8).map((_, k) => `s${k}`);
      expect(maxAbsDiff(cache.readBatch(hashes), ref.cache.readBatch(hashes))).toBeLessThan(1e-5);
    } finally {
      await pool.close();
    }
  });

  it('without images to check on, the parity check runs on noise', async () => {
    const { init: i } = init();
    const pool = await ExtractorPool.start(i, { workers: 1, batchSize: 4 });
    try {
      expect(pool.info.runtime).toBe('onnx');
      expect(pool.info.parityMaxDiff).toBeLessThan(1e-4);
    } finally {
      await pool.close();
    }
  });

  it('a layer the compiler cannot translate: auto falls back to TF.js and names it; a forced onnx says why it cannot', async () => {
    const dir = path.join(root, 'upsampling-model');
    const x = tfl.input({ shape: [16, 16, 3] });
    const c = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', name: 'c' }).apply(x) as tfl.SymbolicTensor;
    const up = tfl.layers.upSampling2d({ size: [2, 2], name: 'up' }).apply(c) as tfl.SymbolicTensor;
    const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(up) as tfl.SymbolicTensor;
    await tfl.model({ inputs: x, outputs: gap }).save(fileSystemSaver(dir));
    const pre = { height: 16, width: 16, resize: 'stretch' as const, range: [-1, 1] as [number, number] };
    const base = (runtime: 'auto' | 'onnx') => {
      const cache = new BottleneckCache(path.join(root, `up-${runtime}`), { modelKey: 'up', cut: 'gap', pooling: 'none', preprocessing: pre, featureDim: 4 });
      return {
        cache,
        init: {
          modelDir: dir,
          format: 'layers' as const,
          cut: 'gap',
          pooling: 'none' as const,
          preprocessing: pre,
          backend: 'wasm' as const,
          runtime,
          cacheDir: cache.dir,
          featureDim: 4,
          parityCheck: true,
        },
      };
    };
    const auto = base('auto');
    const pool = await ExtractorPool.start(auto.init, { workers: 1, batchSize: 4 });
    try {
      expect(pool.info.runtime).toBe('layers');
      expect(pool.info.fallbackReason).toMatch(/layer up \(UpSampling2D\) has no translation outside TF\.js/);
      expect((await pool.extract(itemsFor(auto.cache, 'u', images.slice(0, 3)))).extracted).toBe(3);
    } finally {
      await pool.close();
    }
    // the first worker's failure ends the pool, the one still waiting to start included
    await expect(ExtractorPool.start(base('onnx').init, { workers: 2, batchSize: 4 })).rejects.toThrow(/layer up \(UpSampling2D\)/);
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

  it('a stop during extraction ends it between batches: each worker finishes the batch it runs, drops the rest and ends on its own', async () => {
    const { init: i, cache } = init();
    const pool = await ExtractorPool.start(i, { workers: 2, batchSize: 4 });
    const ac = new AbortController();
    let seen = 0;
    const items = itemsFor(cache, 'x');
    await expect(pool.extract(items, { signal: ac.signal, onProgress: (p) => ((seen = p.done), ac.abort()) })).rejects.toMatchObject({ code: 'CANCELLED' });
    // the batches in progress when it stopped were finished and written whole; the rest never began
    const written = items.filter((it) => cache.has(it.hash));
    expect(written.length).toBeGreaterThanOrEqual(seen);
    expect(written.length).toBeLessThan(items.length);
    expect(await pool.close()).toEqual({ terminated: 0 });
    // nothing half-written is left: not a feature, nor the compiled graph the first worker kept while the others extracted
    expect(fs.readdirSync(cache.dir, { recursive: true }).filter((f) => String(f).endsWith('.tmp'))).toEqual([]);
  });

  it('a stop while the workers compile and check the graph closes them once that step is done', async () => {
    const { init: i } = init({ parityImages: images.slice(0, 2) });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await expect(ExtractorPool.start(i, { workers: 2, batchSize: 4, signal: ac.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
      message: 'Extraction was stopped.',
    });
    // a stop already given is not a start
    await expect(ExtractorPool.start(i, { workers: 1, batchSize: 4, signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('extraction starts on the first worker without waiting for the others: one that never comes up costs nothing, one that fails to start fails the extraction', async () => {
    const { init: i, cache } = init();
    process.env.TRANSFER_LAB_FAULT_DEFERRED = 'stall';
    const pool = await ExtractorPool.start(i, { workers: 2, batchSize: 4 });
    delete process.env.TRANSFER_LAB_FAULT_DEFERRED;
    try {
      expect(pool.info.workers).toBe(2);
      const items = itemsFor(cache, 's', images.slice(0, 12));
      const r = await pool.extract(items);
      expect(r.extracted).toBe(12);
      expect(items.every((it) => cache.has(it.hash))).toBe(true);
    } finally {
      expect(await pool.close()).toEqual({ terminated: 0 });
    }

    const { init: j, cache: c2 } = init();
    process.env.TRANSFER_LAB_FAULT_DEFERRED = 'fail';
    const failing = await ExtractorPool.start(j, { workers: 2, batchSize: 2 });
    delete process.env.TRANSFER_LAB_FAULT_DEFERRED;
    try {
      await expect(failing.extract(itemsFor(c2, 'f'))).rejects.toThrow('a worker failed to start (fault injection)');
    } finally {
      expect(await failing.close()).toEqual({ terminated: 0 });
    }
  });

  it('a worker that ignores close is ended after the grace, being outside native code', async () => {
    process.env.TRANSFER_LAB_FAULT_IGNORE_CLOSE = '1';
    const { init: i, cache } = init();
    const pool = await ExtractorPool.start(i, { workers: 1, batchSize: 4, closeGraceMs: 300 });
    delete process.env.TRANSFER_LAB_FAULT_IGNORE_CLOSE;
    expect((await pool.extract(itemsFor(cache, 'g', images.slice(0, 4)))).extracted).toBe(4);
    expect(await pool.close()).toEqual({ terminated: 1 });
  });
});
