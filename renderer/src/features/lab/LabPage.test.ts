// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import SideBar from '../../shell/SideBar.vue';
import { useDatasetStore } from '../../stores/dataset';
import { useModelStore } from '../../stores/model';
import { useProjectStore } from '../../stores/project';
import { useTrainConfigStore } from '../../stores/trainConfig';
import { sampleInspection, sampleRun, sampleScan } from '../../testing/fixtures';
import { emit, handle, resetApi, sent } from '../../testing/mockApi';
import LabPage from './LabPage.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

async function openLab(at: string, withSideBar = false) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/lab', component: LabPage },
      { path: '/:any', component: { render: () => null } },
    ],
  });
  await router.push(at);
  await router.isReady();
  const w = mount(withSideBar ? { components: { SideBar }, template: '<div><SideBar /><router-view /></div>' } : { template: '<router-view />' }, {
    global: { plugins: [router] },
  });
  await flushPromises();
  return { w, router };
}

describe('the lab page', () => {
  beforeEach(() => {
    sessionStorage.clear();
    setActivePinia(createPinia());
  });

  it('opens the task its address names, so a reload stays on it, and puts the task chosen into the address', async () => {
    const { w, router } = await openLab('/lab?task=learning-rate');
    expect(w.find('[data-testid="lab-body-learning-rate"]').exists()).toBe(true);
    await w.get('[data-testid="lab-task-batch-size"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.query.task).toBe('batch-size');
    expect(w.find('[data-testid="lab-body-batch-size"]').exists()).toBe(true);
  });

  it("names the settings each experiment runs with, the Train step's batch size included", async () => {
    useTrainConfigStore().setConfig({ batchSize: 7, learningRate: 0.05 });
    const { w } = await openLab('/lab?task=learning-rate');
    const says = w.get('[data-testid="lab-experiment"]').text();
    expect(says).toContain('batch 7');
    expect(says).toContain('20 epochs');
    expect(says).not.toContain('learning rate 0.05');
  });

  it('promises an early stop only where one can come: a patience as long as the epochs never stops a run', async () => {
    useTrainConfigStore().setConfig({ patience: 5 });
    const { w } = await openLab('/lab?task=architectures');
    expect(w.get('[data-testid="lab-experiment"]').text()).toContain('up to 20 epochs (stops after 5 without progress)');
    // "up to 20 epochs (stops after 20 without progress)" before
    useTrainConfigStore().setConfig({ patience: 20 });
    await flushPromises();
    const says = w.get('[data-testid="lab-experiment"]').text();
    expect(says).toContain('20 epochs');
    expect(says).not.toContain('without progress');
  });

  it('counts a run made elsewhere with the same settings as the task’s own, as the sidebar does, and reuses it instead of training it again', async () => {
    resetApi();
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('dataset.scan', () => sampleScan());
    await useModelStore().use('/models/mnv2');
    await useDatasetStore().scanFolder('/data/pets');
    // trained in Experiments: exactly the learning-rate task's lr 0.01 run
    const made = sampleRun('run-made');
    made.dataset.counts = { train: 2, val: 2, test: 2 };
    made.config = { ...made.config, epochs: 20, patience: 0, learningRate: 0.01 };
    useProjectStore().addRun('/work/runs/run-made', made);
    const { w } = await openLab('/lab?task=learning-rate', true);
    expect(w.findAll('[data-testid="figure-row"]')).toHaveLength(1);
    expect(w.get('[data-testid="nav-lab"]').text()).toContain('1 run');

    handle('sweep.start', ({ jobId }) => ({
      jobId: jobId!,
      runs: [
        { index: 0, label: 'lr 0.001', epochs: 20, planIndex: 0 },
        { index: 1, label: 'lr 1', epochs: 20, planIndex: 2 },
      ],
    }));
    await w.get('[data-testid="lab-run"]').trigger('click');
    await flushPromises();
    expect(sent('sweep.start')[0]).toMatchObject({ skip: [1] });
    expect(w.get('[data-testid="lab-run-reused"]').text()).toBe('lr 0.01 — reused (run 1, same settings)');
  });

  it('says before it starts how long the fine-tuning experiment takes here, or that it was never timed; Stop is in the lab and answers at once', async () => {
    resetApi();
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('dataset.scan', () => sampleScan());
    await useModelStore().use('/models/mnv2');
    await useDatasetStore().scanFolder('/data/pets');
    // a head-only run measured: 2 epochs of 2 images, 0.5 s each → 250 ms an image and epoch
    const head = sampleRun('run-head');
    head.config = { ...head.config, epochs: 2 };
    head.epochs = [1, 2].map((epoch) => ({ epoch, loss: 1, accuracy: 0.5, valLoss: 1, valAccuracy: 0.5, seconds: 0.5, samplesPerSecond: 4 }));
    useProjectStore().addRun('/work/runs/run-head', head);
    const { w } = await openLab('/lab?task=bottleneck');
    const said = w.get('[data-testid="lab-estimate"]').text();
    // the head-only run: 15 epochs × 2 images × 250 ms
    expect(said).toContain('At least 7.5 s on this machine for 1 run');
    expect(said).toMatch(/fine-tune 4: fine-tuning 4 layers has not been timed on this machine yet/);
    expect(said).toContain('stop it at any time');

    handle('sweep.start', ({ jobId }) => ({
      jobId: jobId!,
      runs: [
        { index: 0, label: 'head only', epochs: 15, planIndex: 0 },
        { index: 1, label: 'fine-tune 4', epochs: 15, planIndex: 1 },
      ],
    }));
    handle('train.stop', () => ({ stopped: true }));
    await w.get('[data-testid="lab-run"]').trigger('click');
    await flushPromises();
    await w.get('[data-testid="lab-stop"]').trigger('click');
    await flushPromises();
    const jobId = sent('sweep.start')[0]!.jobId!;
    expect(sent('train.stop')).toEqual([{ jobId }]);
    expect(w.get('[data-testid="lab-stop"]').text()).toContain('Stopping…');
    expect(w.get('[data-testid="lab-stop"]').attributes('disabled')).toBeDefined();
    emit('job.finished', { jobId, status: 'cancelled', runDir: null, run: null, error: null });
    await flushPromises();
    expect(w.find('[data-testid="lab-stop"]').exists()).toBe(false);
  });
});
