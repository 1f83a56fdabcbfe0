// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { modelCatalog } from '../../../shared/catalog';
import { sampleInspection } from '../testing/fixtures';
import { emit, fail, handle, resetApi } from '../testing/mockApi';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';

vi.mock('../api/client', () => import('../testing/mockApi'));

describe('useModelStore', () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });

  it('loads the catalog with the speeds measured on this machine', async () => {
    const m = (images: number, imagesPerSecond: number) => ({
      images,
      seconds: images / imagesPerSecond,
      imagesPerSecond,
      measuredAt: '2026-12-05T08:00:00.000Z',
      extractor: 'onnx',
      device: 'cpu' as const,
    });
    handle('models.catalog', () => ({
      entries: modelCatalog,
      measured: { mobilenet_v2_100_224: { out_relu: m(768, 64), block_16_project_BN: m(60, 90) } },
      cached: [],
    }));
    const model = useModelStore();
    await model.loadCatalog();
    expect(model.catalog.length).toBe(modelCatalog.length);
    // at the model's default cut when measured there; else where it was measured on most images
    expect(model.measuredSpeed('mobilenet_v2_100_224', 'out_relu')).toEqual({ cut: 'out_relu', measurement: m(768, 64) });
    expect(model.measuredSpeed('mobilenet_v2_100_224', 'block_5_add')).toEqual({ cut: 'out_relu', measurement: m(768, 64) });
    expect(model.measuredSpeed('inception_v3_tfhub')).toBeNull();
    expect(model.catalogLoading).toBe(false);
  });

  it('makes a model the chosen one only once the engine has inspected it', async () => {
    let answer!: (v: ReturnType<typeof sampleInspection>) => void;
    handle('models.inspect', () => new Promise((r) => (answer = r)));
    const model = useModelStore();
    const done = model.use('/models/mnv2');
    await Promise.resolve();
    expect(model.inspecting).toBe('/models/mnv2');
    expect(model.source).toBeNull();
    emit('download.progress', { source: '/models/mnv2', file: 'group1-shard1of2.bin', bytesDone: 10, bytesTotal: 100, filesDone: 0, filesTotal: 2 });
    emit('download.progress', { source: '/elsewhere', file: 'x', bytesDone: 1, bytesTotal: 1, filesDone: 1, filesTotal: 1 });
    expect(model.download?.source).toBe('/models/mnv2');
    answer(sampleInspection());
    expect(await done).toBe(true);
    expect(model.source).toBe('/models/mnv2');
    expect(model.ready).toBe(true);
    expect(model.inspecting).toBeNull();
    expect(model.download).toBeNull();
  });

  it('keeps the previous model when another fails to load, and says why', async () => {
    handle('models.inspect', ({ source }) => sampleInspection(source));
    const model = useModelStore();
    await model.use('/models/mnv2');
    fail('models.inspect', { code: 'MODEL_NOT_FOUND', message: 'No model there.', hint: 'Give a folder with model.json.' });
    expect(await model.use('/models/missing')).toBe(false);
    expect(model.source).toBe('/models/mnv2');
    expect(model.inspecting).toBeNull();
    expect(useNoticeStore().notices[0]).toMatchObject({ code: 'MODEL_NOT_FOUND', hint: 'Give a folder with model.json.' });
  });

  it('restores a project model even if it cannot be loaded now', async () => {
    fail('models.inspect', { code: 'MODEL_NOT_FOUND', message: 'Gone.' });
    const model = useModelStore();
    await model.restore('/models/moved');
    expect(model.source).toBe('/models/moved');
    expect(model.ready).toBe(false);
  });
});
