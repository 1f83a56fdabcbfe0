import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPreprocessing } from '../../../shared/preprocessing';
import { BottleneckCache, cacheKey, type CacheSpec } from './bottleneckCache';
import { writeFeatureFile } from './featureFile';

const spec: CacheSpec = { modelKey: 'm1', cut: 'flatten_1', pooling: 'none', preprocessing: defaultPreprocessing, featureDim: 4 };

describe('bottleneck cache', () => {
  const root = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cache-'));

  it('keys by model, cut, pooling, preprocessing and size', () => {
    const k = cacheKey(spec);
    expect(cacheKey({ ...spec })).toBe(k);
    expect(cacheKey({ ...spec, modelKey: 'm2' })).not.toBe(k);
    expect(cacheKey({ ...spec, cut: 'other' })).not.toBe(k);
    expect(cacheKey({ ...spec, pooling: 'avg' })).not.toBe(k);
    expect(cacheKey({ ...spec, preprocessing: { ...defaultPreprocessing, range: [0, 1] } })).not.toBe(k);
  });

  it('stores float32 features as binary and reads batches back exactly', async () => {
    const cache = new BottleneckCache(root(), spec);
    await cache.init();
    const a = Float32Array.from([1.5, -2, 3.25, 1e-8]);
    const b = Float32Array.from([0, 0.1, 0.2, 0.3]);
    writeFeatureFile(cache.fileFor('aa11'), a);
    writeFeatureFile(cache.fileFor('bb22'), b);
    expect(fs.statSync(cache.fileFor('aa11')).size).toBe(16);
    expect(cache.has('aa11')).toBe(true);
    expect(cache.has('cc33')).toBe(false);
    expect(Array.from(cache.readBatch(['bb22', 'aa11']))).toEqual([...b, ...a]);
    expect(await cache.sizeOnDisk()).toBeGreaterThanOrEqual(32);
  });

  it('treats a torn file as missing, so it is extracted again', async () => {
    const cache = new BottleneckCache(root(), spec);
    await cache.init();
    fs.mkdirSync(path.dirname(cache.fileFor('dd44')), { recursive: true });
    fs.writeFileSync(cache.fileFor('dd44'), Buffer.alloc(7));
    expect(cache.has('dd44')).toBe(false);
  });

  it('is safe to delete: a fresh cache simply has nothing', async () => {
    const r = root();
    const cache = new BottleneckCache(r, spec);
    await cache.init();
    writeFeatureFile(cache.fileFor('aa11'), new Float32Array(4));
    fs.rmSync(r, { recursive: true });
    const again = new BottleneckCache(r, spec);
    await again.init();
    expect(again.has('aa11')).toBe(false);
  });
});
