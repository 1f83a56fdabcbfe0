// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useDatasetStore } from '../../stores/dataset';
import { useModelStore } from '../../stores/model';
import { useTrainingStore } from '../../stores/training';
import { sampleInspection, sampleScan } from '../../testing/fixtures';
import { emit, handle, resetApi } from '../../testing/mockApi';
import { formatRate } from '../../util/format';
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
    expect(w.get('[data-testid="train-speed-label"]').text()).toBe('speed');
    // once an epoch is done the figure is that epoch's, while the bar shows the current rate: the label says which
    emit('job.event', { jobId: training.jobId!, event: { type: 'phase', phase: 'train', message: 'training' } });
    emit('job.event', {
      jobId: training.jobId!,
      event: {
        type: 'epoch',
        epoch: 1,
        epochs: 5,
        loss: 1.2,
        accuracy: 0.5,
        valLoss: null,
        valAccuracy: null,
        seconds: 0.5,
        samplesPerSecond: 1717,
        rssMiB: 600,
        numTensors: 10,
      },
    });
    emit('job.event', {
      jobId: training.jobId!,
      event: { type: 'progress', phase: 'train', done: 12, total: 50, unit: 'samples', perSecond: 1854, etaSeconds: 1, rssMiB: 600, numTensors: 10 },
    });
    await flushPromises();
    expect(w.get('[data-testid="train-speed-label"]').text()).toBe('speed, last epoch');
    expect(w.get('[data-testid="train-speed"]').text()).toBe(formatRate(1717, 'samples'));
    expect(w.get('[data-testid="train-progress"]').text()).toContain(formatRate(1854, 'samples'));
  });
});
