import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultCatalogId, findCatalogEntry, modelCatalog } from './catalog';

describe('modelCatalog', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('has unique, file-name-safe ids', () => {
    const ids = modelCatalog.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9_]+$/);
  });

  it('gives every entry every field, with sane values', () => {
    for (const e of modelCatalog) {
      const where = `catalog entry ${e.id}`;
      expect(e.name, where).not.toBe('');
      expect(['layers', 'graph'], where).toContain(e.format);
      const url = new URL(e.url);
      expect(url.protocol, where).toBe('https:');
      expect(url.hostname, where).toMatch(/^(storage\.googleapis\.com|tfhub\.dev|www\.kaggle\.com)$/);
      // a direct address names its model.json; a hub handle must not, tfjs appends it
      if (e.fromTFHub) expect(e.url, where).not.toMatch(/model\.json/);
      else expect(url.pathname, where).toMatch(/\/model\.json$/);

      const p = e.preprocessing;
      expect([224, 299], where).toContain(p.height);
      expect(p.width, where).toBe(p.height);
      expect(['stretch', 'center-crop'], where).toContain(p.resize);
      expect(
        [
          [-1, 1],
          [0, 1],
        ],
        where,
      ).toContainEqual(p.range);

      if (e.format === 'layers') expect(e.defaultCut, where).toMatch(/\S/);
      else expect(e.defaultCut, where).toBeUndefined();

      expect(Number.isInteger(e.featureDim) && e.featureDim > 0, where).toBe(true);
      expect(e.paramsM, where).toBeGreaterThan(0.1);
      expect(e.paramsM, where).toBeLessThan(30);
      expect(e.publishedParamsM, where).toBeDefined();
      expect(e.paramsM, where).toBeLessThan(e.publishedParamsM!);
      // float32 weights of what the address holds: the backbone at least, the whole classifier at most
      expect(e.downloadMB, where).toBeGreaterThanOrEqual(Math.round(e.paramsM * 4));
      expect(e.downloadMB, where).toBeLessThanOrEqual(Math.ceil(e.publishedParamsM! * 4));
      expect(e.macsM, where).toBeGreaterThan(10);
      expect(e.macsM, where).toBeLessThan(10_000);
      expect(e.imagenetTop1, where).toBeGreaterThan(40);
      expect(e.imagenetTop1, where).toBeLessThan(90);
      expect(e.source.length, where).toBeGreaterThan(40);
    }
  });

  it('keeps each family on its known input convention', () => {
    for (const e of modelCatalog) {
      if (e.format === 'layers') expect(e.preprocessing.range, e.id).toEqual([-1, 1]);
      else expect(e.preprocessing.range, e.id).toEqual([0, 1]);
      if (e.family === 'inception_v3') {
        expect(e.preprocessing.height).toBe(299);
        expect(e.featureDim).toBe(2048);
      }
      if (e.family === 'mobilenet_v2') expect(e.featureDim).toBe(1280);
    }
  });

  it('offers the widths the lab compares', () => {
    const v1 = modelCatalog.filter((e) => e.family === 'mobilenet_v1').map((e) => e.id);
    expect(v1).toEqual(['mobilenet_v1_025_224', 'mobilenet_v1_050_224', 'mobilenet_v1_075_224', 'mobilenet_v1_100_224']);
    expect(findCatalogEntry('mobilenet_v1_025_224')?.url).toBe('https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json');
    expect(findCatalogEntry('mobilenet_v2_100_224')?.url).toBe(
      'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.00_224_no_top/model.json',
    );
    expect(findCatalogEntry('mobilenet_v2_035_224')?.defaultCut).toBe('out_relu');
  });

  it('finds entries by id and knows its default', () => {
    expect(findCatalogEntry(defaultCatalogId)?.family).toBe('inception_v3');
    expect(findCatalogEntry('no-such-model')).toBeUndefined();
  });

  it('fetches nothing when read', async () => {
    const fetchSpy = vi.fn(() => Promise.reject(new Error('the catalog must not fetch')));
    vi.stubGlobal('fetch', fetchSpy);
    vi.resetModules();
    const fresh = await import('./catalog');
    fresh.findCatalogEntry(fresh.defaultCatalogId);
    expect(fresh.modelCatalog.length).toBe(modelCatalog.length);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
