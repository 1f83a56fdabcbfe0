// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultTrainConfig } from '../../../../shared/run';
import { useDatasetStore } from '../../stores/dataset';
import { useModelStore } from '../../stores/model';
import { useProjectStore } from '../../stores/project';
import { sampleInspection, sampleRun, sampleScan } from '../../testing/fixtures';
import { emit, fail, handle, resetApi, sent } from '../../testing/mockApi';
import { mountStep } from '../../testing/mountStep';
import ExperimentsStep from './ExperimentsStep.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

const planned = [0.001, 0.01, 1].map((lr, index) => ({ index, label: `lr ${lr}`, epochs: 20 }));

async function ready() {
  await useDatasetStore().scanFolder('/data/pets');
  await useModelStore().use('/models/mnv2');
  return mountStep(ExperimentsStep, '/experiments');
}

describe('the Experiments step', () => {
  beforeEach(() => {
    sessionStorage.clear();
    setActivePinia(createPinia());
    resetApi();
    handle('dataset.scan', ({ path }) => sampleScan(path));
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('models.catalog', () => ({ entries: [], measured: {}, cached: [] }));
    handle('sweep.start', ({ jobId }) => ({ jobId: jobId!, runs: planned }));
  });

  it('with no runs and nothing to train on, says so and cannot queue anything', async () => {
    const { w } = await mountStep(ExperimentsStep, '/experiments');
    expect(w.get('[data-testid="compare-runs"]').text()).toContain('No runs yet');
    await w.get('[data-testid="preset-lr"]').trigger('click');
    expect(w.get('[data-testid="sweep-start"]').attributes('disabled')).toBeDefined();
  });

  it("the learning-rate question plans three runs, and Run sends them with the Train step's settings", async () => {
    const { w } = await ready();
    await w.get('[data-testid="preset-lr"]').trigger('click');
    expect(w.get('[data-testid="sweep-planned"]').text()).toContain('3 runs');
    expect(w.get('[data-testid="sweep-start"]').text()).toBe('Run 3 experiments');
    await w.get('[data-testid="sweep-start"]').trigger('click');
    await flushPromises();
    const [req] = sent('sweep.start');
    expect(req).toMatchObject({ dataset: '/data/pets', source: '/models/mnv2', axes: { learningRate: [0.001, 0.01, 1] } });
    expect(req?.config.batchSize).toBe(defaultTrainConfig.batchSize);
  });

  it('names a value it cannot read and will not queue', async () => {
    const { w } = await ready();
    await w.get('[data-testid="sweep-batch"]').setValue('4, lots');
    expect(w.get('[data-testid="sweep-error"]').text()).toContain('The batch size must be a whole number from 1 to 65536; "lots" is not.');
    expect(w.get('[data-testid="sweep-start"]').attributes('disabled')).toBeDefined();
  });

  it('lists the queued runs as they finish, with their accuracy, and cancel sends sweep.cancelRun for that run', async () => {
    const { w } = await ready();
    await w.get('[data-testid="preset-lr"]').trigger('click');
    await w.get('[data-testid="sweep-form"]').trigger('submit');
    await flushPromises();
    expect(w.get('[data-testid="sweep-run-status-0"]').text()).toBe('running');
    expect(w.get('[data-testid="sweep-run-status-2"]').text()).toBe('queued');
    emit('job.run', {
      jobId: sent('sweep.start')[0]!.jobId!,
      index: 0,
      label: 'lr 0.001',
      status: 'done',
      runDir: '/runs/a',
      run: sampleRun('a'),
      error: null,
      resumable: false,
    });
    await flushPromises();
    expect(w.get('[data-testid="sweep-run-0"]').text()).toContain('75.0%');
    expect(w.get('[data-testid="compare-accuracy-1"]').text()).toBe('75.0%');
    handle('sweep.cancelRun', () => ({ cancelled: true }));
    await w.get('[data-testid="sweep-cancel-2"]').trigger('click');
    await flushPromises();
    expect(sent('sweep.cancelRun')).toEqual([{ jobId: sent('sweep.start')[0]!.jobId!, index: 2 }]);
  });

  it('compares the runs of the project side by side, naming the setting that differs', async () => {
    const project = useProjectStore();
    project.addRun('/runs/a', sampleRun('a'));
    const b = sampleRun('b');
    project.addRun('/runs/b', { ...b, config: { ...b.config, learningRate: 0.1 }, evaluation: { ...b.evaluation, accuracy: 0.5 } });
    const { w } = await mountStep(ExperimentsStep, '/experiments');
    const table = w.get('[data-testid="compare-table"]');
    expect(table.text().toLowerCase()).toContain('learning rate');
    expect(w.get('[data-testid="compare-row-2"]').text()).toContain('0.1');
    expect(w.get('[data-testid="compare-accuracy-2"]').text()).toBe('50.0%');
  });

  it("shows the engine's refusal to queue as a message", async () => {
    fail('sweep.start', { code: 'BAD_ARGUMENT', message: 'A sweep needs at least two runs.', hint: 'Give a field two values.' });
    const { w } = await ready();
    await w.get('[data-testid="preset-lr"]').trigger('click');
    await w.get('[data-testid="sweep-form"]').trigger('submit');
    await flushPromises();
    expect(w.get('[data-testid="error-message"]').text()).toBe('A sweep needs at least two runs.');
    expect(w.find('[data-testid="sweep-progress"]').exists()).toBe(false);
  });
});
