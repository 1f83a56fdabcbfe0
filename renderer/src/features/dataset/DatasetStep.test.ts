// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DatasetScan } from '../../../../shared/dataset';
import { sampleScan } from '../../testing/fixtures';
import { droppedPaths, emit, fail, handle, resetApi, sent } from '../../testing/mockApi';
import { useNoticeStore } from '../../stores/notices';
import { mountStep } from '../../testing/mountStep';
import DatasetStep from './DatasetStep.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

async function scanned(at = '/data/pets') {
  const m = await mountStep(DatasetStep, '/dataset');
  await m.w.get('[data-testid="dataset-path"]').setValue(at);
  await m.w.get('.path-field form').trigger('submit');
  await flushPromises();
  return m;
}

describe('the Dataset step', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
    handle('dataset.scan', ({ path, split }) => ({ ...sampleScan(path), ...(split ? { split } : {}) }));
    handle('dataset.thumbnail', () => ({ dataUrl: 'data:image/png;base64,' }));
  });

  it('before a scan, explains what scanning does, the Scan button waits for a folder and there is no Next', async () => {
    const { w } = await mountStep(DatasetStep, '/dataset');
    expect(w.text()).toContain('Scanning reads every image once');
    expect(w.get('[data-testid="scan-button"]').attributes('disabled')).toBeDefined();
    expect(w.find('[data-testid="dataset-next"]').exists()).toBe(false);
  });

  it('Enter scans the folder with the split shown, then sums up classes, images and the split, counts the problems, and Next goes to the model', async () => {
    handle('dataset.scan', ({ path, split }) => {
      const s = sampleScan(path);
      return { ...s, split: split ?? s.split, classSummaries: [{ name: 'cat', count: 3, train: 2, val: 0, test: 1 }, s.classSummaries[1]!] };
    });
    const { w, router } = await scanned();
    expect(sent('dataset.scan')).toEqual([{ path: '/data/pets', split: { val: 0.1, test: 0.2 } }]);
    const summary = w.get('[data-testid="dataset-summary"]').text();
    expect(summary).toContain('2 classes, 6 images');
    expect(summary).toContain('3 train · 1 validation · 2 test');
    expect(w.get('[data-testid="class-row-cat"]').text()).toContain('3');
    expect(w.text()).toContain('1 warning');
    await w.get('[data-testid="dataset-next"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/model');
  });

  it('a folder dropped on the step is scanned where it lies (the desktop app knows where)', async () => {
    droppedPaths.set('pets', '/home/me/pets');
    const { w } = await mountStep(DatasetStep, '/dataset');
    const drop = new Event('drop', { bubbles: true, cancelable: true });
    Object.defineProperty(drop, 'dataTransfer', { value: { files: [new File([], 'pets')], types: ['Files'] } });
    w.get('[data-testid="step-dataset"]').element.dispatchEvent(drop);
    await flushPromises();
    expect(drop.defaultPrevented).toBe(true);
    expect(sent('dataset.scan')).toEqual([{ path: '/home/me/pets', split: { val: 0.1, test: 0.2 } }]);
    expect((w.get('[data-testid="dataset-path"]').element as HTMLInputElement).value).toBe('/home/me/pets');
  });

  it('a folder dropped on a browser tab, whose place a page is never told, says what to do instead', async () => {
    const { w } = await mountStep(DatasetStep, '/dataset');
    const drop = new Event('drop', { bubbles: true, cancelable: true });
    Object.defineProperty(drop, 'dataTransfer', { value: { files: [new File([], 'pets')], types: ['Files'] } });
    w.get('[data-testid="step-dataset"]').element.dispatchEvent(drop);
    await flushPromises();
    expect(sent('dataset.scan')).toEqual([]);
    expect(useNoticeStore().notices).toEqual([
      expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringContaining('("pets") is on disk'), hint: expect.stringContaining('Browse') }),
    ]);
  });

  it('while scanning, shows the files read so far and disables Scan, so one click is one scan', async () => {
    let finish!: (s: DatasetScan) => void;
    handle('dataset.scan', () => new Promise<DatasetScan>((r) => (finish = r)));
    const { w } = await mountStep(DatasetStep, '/dataset');
    await w.get('[data-testid="dataset-path"]').setValue('/data/pets');
    await w.get('.path-field form').trigger('submit');
    emit('scan.progress', { path: '/data/pets', done: 3, total: 6 });
    await flushPromises();
    expect(w.get('[data-testid="scan-progress"]').text()).toContain('Reading 3 of 6 files');
    expect(w.get('[data-testid="scan-button"]').text()).toBe('Scanning…');
    expect(w.get('[data-testid="scan-button"]').attributes('disabled')).toBeDefined();
    await w.get('[data-testid="scan-button"]').trigger('click');
    expect(sent('dataset.scan')).toHaveLength(1);
    finish(sampleScan());
    await flushPromises();
    expect(w.find('[data-testid="scan-progress"]').exists()).toBe(false);
  });

  it('a folder with one class says training needs two, and Next stays disabled', async () => {
    handle('dataset.scan', ({ path }) => {
      const s = sampleScan(path);
      return { ...s, classes: ['cat'], classSummaries: [s.classSummaries[0]!], images: s.images.filter((i) => i.label === 0) };
    });
    const { w } = await scanned();
    expect(w.text()).toContain('Training needs at least two classes');
    expect(w.get('[data-testid="dataset-next"]').attributes('disabled')).toBeDefined();
  });

  it('a changed split rescans the same folder with it', async () => {
    const { w } = await scanned();
    expect(w.get('[data-testid="rescan-button"]').attributes('disabled')).toBeDefined();
    await w.get('[data-testid="split-test"]').setValue('30');
    await w.get('[data-testid="split-editor"]').trigger('submit');
    await flushPromises();
    expect(sent('dataset.scan')[1]).toEqual({ path: '/data/pets', split: { val: 0.1, test: 0.3 } });
  });

  it('keeps a split being typed while a scan starts and ends under it', async () => {
    const { w } = await scanned();
    let finish!: (s: DatasetScan) => void;
    handle('dataset.scan', () => new Promise<DatasetScan>((r) => (finish = r)));
    // typed, not yet committed: the field still has the focus
    const val = w.get('[data-testid="split-val"]').element as HTMLInputElement;
    val.value = '15';
    await w.get('[data-testid="scan-button"]').trigger('click');
    await flushPromises();
    expect(w.get('[data-testid="rescan-button"]').attributes('disabled')).toBeDefined();
    finish(sampleScan());
    await flushPromises();
    expect(val.value).toBe('15');
    await w.get('[data-testid="split-val"]').trigger('change');
    await w.get('[data-testid="split-editor"]').trigger('submit');
    await flushPromises();
    expect(sent('dataset.scan').at(-1)).toEqual({ path: '/data/pets', split: { val: 0.15, test: 0.2 } });
  });

  it("shows the engine's refusal with its hint and keeps the folder typed", async () => {
    fail('dataset.scan', { code: 'DATASET_NOT_FOUND', message: 'No folder at /data/pest.', hint: 'Check the path.' });
    const { w } = await scanned('/data/pest');
    expect(w.get('[data-testid="error-message"]').text()).toBe('No folder at /data/pest.');
    expect(w.get('[data-testid="error-hint"]').text()).toBe('Check the path.');
    expect((w.get('[data-testid="dataset-path"]').element as HTMLInputElement).value).toBe('/data/pest');
  });
});
