// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useDatasetStore } from '../../stores/dataset';
import { useModelStore } from '../../stores/model';
import { useTrainingStore } from '../../stores/training';
import { sampleInspection, sampleScan } from '../../testing/fixtures';
import { emit, handle, resetApi } from '../../testing/mockApi';
import RunProgress from './RunProgress.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

describe('the run panel', () => {
  beforeEach(async () => {
    resetApi();
    sessionStorage.clear();
    setActivePinia(createPinia());
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('dataset.scan', () => sampleScan());
    await useModelStore().use('/models/mnv2');
    await useDatasetStore().scanFolder('/data/pets');
  });

  it('shows memory, tensors and speed during extraction, before the first epoch', async () => {
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    const training = useTrainingStore();
    await training.start();
    const w = mount(RunProgress);
    emit('job.event', { jobId: training.jobId!, event: { type: 'phase', phase: 'extract', message: 'extracting' } });
    emit('job.event', {
      jobId: training.jobId!,
      event: { type: 'progress', phase: 'extract', done: 32, total: 400, unit: 'images', perSecond: 64, etaSeconds: 6, rssMiB: 612.4, numTensors: 321 },
    });
    await flushPromises();
    expect(w.get('[data-testid="train-rss"]').text()).toBe('612 MiB');
    expect(w.get('[data-testid="train-tensors"]').text()).toBe('321');
    expect(w.get('[data-testid="train-speed"]').text()).not.toBe('–');
  });
});
