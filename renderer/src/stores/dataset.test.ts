// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { sampleScan } from '../testing/fixtures';
import { emit, fail, handle, resetApi, sent } from '../testing/mockApi';
import { useDatasetStore } from './dataset';
import { useNoticeStore } from './notices';

vi.mock('../api/client', () => import('../testing/mockApi'));

describe('useDatasetStore', () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });

  it('scans the folder with the chosen split and exposes classes and counts', async () => {
    handle('dataset.scan', ({ path }) => sampleScan(path));
    const dataset = useDatasetStore();
    dataset.setSplit({ val: 0.2 });
    expect(await dataset.scanFolder(' /data/pets ')).toBe(true);
    expect(sent('dataset.scan')).toEqual([{ path: '/data/pets', split: { val: 0.2, test: 0.2 } }]);
    expect(dataset.classCount).toBe(2);
    expect(dataset.imageCount).toBe(6);
    expect(dataset.warningCount).toBe(1);
    expect(dataset.root).toBe('/data/pets');
    expect(dataset.ready).toBe(true);
  });

  it('drives its progress from scan.progress events for its own folder only', async () => {
    let finish!: (v: ReturnType<typeof sampleScan>) => void;
    handle('dataset.scan', () => new Promise((r) => (finish = r)));
    const dataset = useDatasetStore();
    const done = dataset.scanFolder('/data/pets');
    await Promise.resolve();
    expect(dataset.scanning).toBe(true);
    emit('scan.progress', { path: '/other', done: 1, total: 9 });
    expect(dataset.progress).toBeNull();
    emit('scan.progress', { path: '/data/pets', done: 3, total: 6 });
    expect(dataset.progress).toEqual({ done: 3, total: 6 });
    finish(sampleScan());
    await done;
    expect(dataset.scanning).toBe(false);
    expect(dataset.progress).toBeNull();
  });

  it('clears the loading flag and reports the engine error when a scan fails', async () => {
    fail('dataset.scan', { code: 'DATASET_NOT_FOUND', message: 'Not found.', hint: 'Check it.' });
    const dataset = useDatasetStore();
    expect(await dataset.scanFolder('/nope')).toBe(false);
    expect(dataset.scanning).toBe(false);
    expect(useNoticeStore().notices[0]).toMatchObject({ message: 'Not found.', hint: 'Check it.' });
  });

  it('knows when the split was edited since the scan', async () => {
    handle('dataset.scan', () => sampleScan());
    const dataset = useDatasetStore();
    await dataset.scanFolder('/data/pets');
    expect(dataset.splitChanged).toBe(false);
    dataset.setSplit({ test: 0.3 });
    expect(dataset.splitChanged).toBe(true);
  });

  it('picks example images per class and split', async () => {
    handle('dataset.scan', () => sampleScan());
    const dataset = useDatasetStore();
    await dataset.scanFolder('/data/pets');
    expect(dataset.examples(1, 2).map((i) => i.relPath)).toEqual(['dog/1.jpg', 'dog/2.jpg']);
    expect(dataset.examples(0, 5, 'test').map((i) => i.relPath)).toEqual(['cat/3.jpg']);
  });
});
