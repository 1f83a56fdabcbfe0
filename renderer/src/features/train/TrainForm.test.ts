// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FreezePlan } from '../../api/types';
import { useDatasetStore } from '../../stores/dataset';
import { useModelStore } from '../../stores/model';
import { useTrainConfigStore } from '../../stores/trainConfig';
import { sampleInspection, sampleScan } from '../../testing/fixtures';
import { emit, fail, handle, resetApi, sent } from '../../testing/mockApi';
import { mountStep } from '../../testing/mountStep';
import TrainForm from './TrainForm.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

/** the engine's plan, as freeze.plan answers it: fine-tuning's memory grows with the batch, and past 300 images it does not fit */
function planFor(batchSize: number, fineTuneLayers: number): FreezePlan {
  const plan: FreezePlan = {
    cut: 'out_relu',
    cutShape: [7, 7, 1280],
    pooling: 'avg',
    featureDim: 1280,
    frozenParams: 2_257_984,
    trainableParams: 12_810,
    cacheBytesPerImage: 1280 * 4,
    extractMemoryMiB: 700,
    trainMemoryMiB: 1,
    fineTune: null,
    fineTuneUnavailable: null,
  };
  if (fineTuneLayers <= 0) return plan;
  const mib = 14 + 12 * batchSize;
  return {
    ...plan,
    fineTune: {
      split: 'block_15_add',
      splitShape: [7, 7, 160],
      layers: ['block_16_expand', 'block_16_depthwise', 'block_16_project', 'Conv_1'],
      trainableParams: 879_000,
      mflopsPerImage: 258,
      cacheBytesPerImage: 7 * 7 * 160 * 4,
      trainMemoryMiB: mib,
      memoryRefusal:
        batchSize > 300
          ? `Fine-tuning 9 layers at a batch of ${batchSize} needs about ${(mib / 1024).toFixed(1)} GiB; that is more than the 4 GiB the wasm backend can address. Use a batch of 300 or less.`
          : null,
    },
  };
}

async function ready() {
  await useDatasetStore().scanFolder('/data/pets');
  await useModelStore().use('/models/mnv2');
  return mountStep(TrainForm, '/train');
}

describe('the Train form', () => {
  beforeEach(() => {
    sessionStorage.clear();
    setActivePinia(createPinia());
    resetApi();
    handle('dataset.scan', ({ path }) => sampleScan(path));
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('models.catalog', () => ({ entries: [], measured: {}, cached: [] }));
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    handle('freeze.plan', ({ batchSize, fineTuneLayers }) => planFor(batchSize, fineTuneLayers ?? 0));
  });

  it('shows the training memory of the settings as typed, and says before Start when a fine-tuning batch would not fit', async () => {
    const { w } = await ready();
    await flushPromises();
    expect(w.get('[data-testid="train-memory"]').text()).toMatch(/^Memory, training ≈ 1 MiB \(the head, batch 32\)$/);
    await w.get('[data-testid="cfg-fine-tune"]').setValue('4');
    await flushPromises();
    expect(w.get('[data-testid="train-memory"]').text()).toContain('≈ 398 MiB (head and top 4, batch 32)');
    expect(w.find('[data-testid="train-memory-refusal"]').exists()).toBe(false);
    await w.get('[data-testid="cfg-batch-size"]').setValue('530');
    await flushPromises();
    // the engine was asked for this batch's plan, and its refusal is shown with the batch that fits
    expect(sent('freeze.plan').at(-1)).toMatchObject({ batchSize: 530, fineTuneLayers: 4 });
    expect(w.get('[data-testid="train-memory"]').text()).toContain('≈ 6374 MiB (head and top 4, batch 530)');
    const refusal = w.get('[data-testid="train-memory-refusal"]');
    expect(refusal.attributes('role')).toBe('alert');
    expect(refusal.text()).toContain('Use a batch of 300 or less.');
    await w.get('[data-testid="cfg-batch-size"]').setValue('64');
    await flushPromises();
    expect(w.find('[data-testid="train-memory-refusal"]').exists()).toBe(false);
  });

  it('cannot start before a dataset and a model are chosen', async () => {
    const { w } = await mountStep(TrainForm, '/train');
    expect(w.get('[data-testid="train-start"]').attributes('disabled')).toBeDefined();
    await w.get('[data-testid="train-form"]').trigger('submit');
    expect(sent('train.start')).toHaveLength(0);
  });

  it('Enter starts training with the dataset, the model and the settings typed', async () => {
    const { w } = await ready();
    await w.get('[data-testid="cfg-learning-rate"]').setValue('0.05');
    await w.get('[data-testid="cfg-batch-size"]').setValue('16');
    await w.get('[data-testid="cfg-optimizer"]').setValue('sgd');
    await w.get('[data-testid="cfg-momentum"]').setValue('0.5');
    await w.get('[data-testid="train-form"]').trigger('submit');
    await flushPromises();
    const [req] = sent('train.start');
    expect(req).toMatchObject({ dataset: '/data/pets', split: { val: 0.1, test: 0.2 }, source: '/models/mnv2', cut: null });
    expect(req?.config).toMatchObject({ learningRate: 0.05, batchSize: 16, optimizer: 'sgd', momentum: 0.5 });
  });

  it('puts back a value the engine would refuse (a learning rate of 20, 0 epochs, a batch of 2.5) and keeps the last good one', async () => {
    const { w } = await ready();
    const config = useTrainConfigStore();
    const before = { ...config.config };
    for (const [id, bad] of [
      ['cfg-learning-rate', '20'],
      ['cfg-epochs', '0'],
      ['cfg-batch-size', '2.5'],
      ['cfg-dropout', '1'],
    ] as const) {
      const input = w.get(`[data-testid="${id}"]`);
      await input.setValue(bad);
      expect((input.element as HTMLInputElement).value).not.toBe(bad);
    }
    expect(config.config).toEqual(before);
  });

  it('while a run trains, the settings are locked; Stop sends train.stop for that job and says Stopping… until the run has ended; a stopped run can be resumed', async () => {
    const { w } = await ready();
    await w.get('[data-testid="train-form"]').trigger('submit');
    await flushPromises();
    expect(w.get('fieldset').attributes('disabled')).toBeDefined();
    expect(w.find('[data-testid="train-start"]').exists()).toBe(false);
    handle('train.stop', () => ({ stopped: true }));
    await w.get('[data-testid="train-stop"]').trigger('click');
    await flushPromises();
    const jobId = sent('train.start')[0]!.jobId!;
    expect(sent('train.stop')).toEqual([{ jobId }]);
    // the engine has the stop but is still winding the run down: the button says so and waits
    expect(w.get('[data-testid="train-stop"]').text()).toBe('Stopping…');
    expect(w.get('[data-testid="train-stop"]').attributes('disabled')).toBeDefined();
    emit('job.finished', { jobId, status: 'cancelled', runDir: '/runs/run-1', run: null, error: null });
    await flushPromises();
    expect(w.get('fieldset').attributes('disabled')).toBeUndefined();
    handle('train.resume', ({ jobId }) => ({ jobId: jobId! }));
    await w.get('[data-testid="train-resume"]').trigger('click');
    await flushPromises();
    expect(sent('train.resume')).toEqual([expect.objectContaining({ runDir: '/runs/run-1' })]);
  });

  it('says Starting… and takes no second click while the engine has not answered', async () => {
    let answer!: (r: { jobId: string }) => void;
    handle('train.start', () => new Promise((r) => (answer = r)));
    const { w } = await ready();
    await w.get('[data-testid="train-start"]').trigger('click');
    await flushPromises();
    const start = w.get('[data-testid="train-start"]');
    expect(start.text()).toBe('Starting…');
    expect(start.attributes('disabled')).toBeDefined();
    await start.trigger('click');
    expect(sent('train.start')).toHaveLength(1);
    answer({ jobId: sent('train.start')[0]!.jobId! });
    await flushPromises();
    expect(w.find('[data-testid="train-stop"]').exists()).toBe(true);
  });

  it('keeps what is being typed in a field when the memory line changes under it (a plan that arrives late)', async () => {
    const { w } = await ready();
    await flushPromises();
    // the engine answers the next plan only when told
    let answer: () => void = () => undefined;
    handle('freeze.plan', ({ batchSize, fineTuneLayers }) => new Promise((resolve) => (answer = () => resolve(planFor(batchSize, fineTuneLayers ?? 0)))));
    await w.get('[data-testid="cfg-fine-tune"]').setValue('4');
    // typed, not yet committed (no change event: the field still has the focus)
    const epochs = w.get('[data-testid="cfg-epochs"]').element as HTMLInputElement;
    epochs.value = '14';
    answer();
    await flushPromises();
    expect(w.get('[data-testid="train-memory"]').text()).toContain('head and top 4');
    expect(epochs.value).toBe('14');
    await w.get('[data-testid="cfg-epochs"]').trigger('change');
    expect(useTrainConfigStore().config.epochs).toBe(14);
  });

  it("shows the engine's refusal to start, and a run that failed, as messages", async () => {
    fail('train.start', { code: 'OUT_OF_MEMORY', message: 'Not enough memory for batch 4096.', hint: 'Lower the batch size.' });
    const { w } = await ready();
    await w.get('[data-testid="train-form"]').trigger('submit');
    await flushPromises();
    expect(w.get('[data-testid="error-message"]').text()).toBe('Not enough memory for batch 4096.');
    expect(w.get('[data-testid="error-hint"]').text()).toBe('Lower the batch size.');
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    await w.get('[data-testid="train-form"]').trigger('submit');
    await flushPromises();
    emit('job.finished', {
      jobId: sent('train.start').at(-1)!.jobId!,
      status: 'failed',
      runDir: null,
      run: null,
      error: { code: 'INTERNAL', message: 'The engine stopped.' },
    });
    await flushPromises();
    expect(w.findAll('[data-testid="error-message"]').map((m) => m.text())).toContain('The engine stopped.');
    expect(w.get('[data-testid="train-start"]').attributes('disabled')).toBeUndefined();
  });
});
