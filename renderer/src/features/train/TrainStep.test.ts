// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useDatasetStore } from '../../stores/dataset';
import { useModelStore } from '../../stores/model';
import { useProjectStore } from '../../stores/project';
import { sampleInspection, sampleRun, sampleScan } from '../../testing/fixtures';
import { emit, handle, resetApi, sent } from '../../testing/mockApi';
import { mountStep } from '../../testing/mountStep';
import TrainStep from './TrainStep.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

async function trainingStarted() {
  await useDatasetStore().scanFolder('/data/pets');
  await useModelStore().use('/models/mnv2');
  const m = await mountStep(TrainStep, '/train');
  await m.w.get('[data-testid="train-form"]').trigger('submit');
  await flushPromises();
  return m;
}

describe('the Train step', () => {
  beforeEach(() => {
    sessionStorage.clear();
    setActivePinia(createPinia());
    resetApi();
    handle('dataset.scan', ({ path }) => sampleScan(path));
    handle('dataset.augmentPreview', () => ({ dataUrls: [] }));
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('models.catalog', () => ({ entries: [], measured: {}, cached: [] }));
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
  });

  it('with no dataset and no model, says what is missing and links to steps 1 and 2', async () => {
    const { w } = await mountStep(TrainStep, '/train');
    const callout = w.get('.callout');
    expect(callout.get('a[href="/dataset"]').text()).toBe('step 1');
    expect(callout.get('a[href="/model"]').text()).toBe('step 2');
  });

  it('counts the epochs as the engine reports them', async () => {
    const { w } = await trainingStarted();
    expect(w.find('.callout').exists()).toBe(false);
    emit('job.event', {
      jobId: sent('train.start')[0]!.jobId!,
      event: {
        type: 'epoch',
        epoch: 3,
        epochs: 20,
        loss: 0.5,
        accuracy: 0.8,
        valLoss: 0.6,
        valAccuracy: 0.7,
        seconds: 0.1,
        samplesPerSecond: 100,
        rssMiB: 300,
        numTensors: 5,
      },
    });
    await flushPromises();
    expect(w.get('[data-testid="epoch-counter"]').text()).toBe('3 / 20 epochs done');
  });

  it('when the run finishes, gives its test accuracy and best epoch, adds it to the project, and Evaluate goes to step 5', async () => {
    const { w, router } = await trainingStarted();
    const run = { ...sampleRun('run-7'), bestEpoch: 4, stoppedEarly: true };
    emit('job.finished', { jobId: sent('train.start')[0]!.jobId!, status: 'done', runDir: '/work/runs/run-7', run, error: null });
    await flushPromises();
    const result = w.get('[data-testid="train-result"]').text();
    expect(result).toContain('Test accuracy 75');
    expect(result).toContain('on 4 images it never saw');
    expect(result).toContain('best epoch 4 (stopped early)');
    expect(useProjectStore().runs.map((r) => r.record.id)).toEqual(['run-7']);
    await w.get('[data-testid="train-next"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/evaluate');
  });

  it("another job's end does not show as this run's result", async () => {
    const { w } = await trainingStarted();
    emit('job.finished', { jobId: 'other', status: 'done', runDir: '/work/runs/run-9', run: sampleRun('run-9'), error: null });
    await flushPromises();
    expect(w.find('[data-testid="train-result"]').exists()).toBe(false);
  });
});
