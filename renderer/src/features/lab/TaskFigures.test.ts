// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import EvaluateStep from '../evaluate/EvaluateStep.vue';
import { useEvaluationStore } from '../../stores/evaluation';
import { useProjectStore } from '../../stores/project';
import { sampleRun } from '../../testing/fixtures';
import { anyRouter } from '../../testing/anyRouter';
import { handle, resetApi, sent } from '../../testing/mockApi';
import TaskFigures from './TaskFigures.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

function runs() {
  const best = sampleRun('run-best');
  best.evaluation = { ...best.evaluation, accuracy: 0.95 };
  const latest = sampleRun('run-latest');
  latest.evaluation = { ...latest.evaluation, accuracy: 0.5 };
  return [best, latest];
}

describe("the lab's best run", () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('links to that run, and the Evaluate step opens it rather than the latest', async () => {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/evaluate', component: EvaluateStep },
        { path: '/:any', component: { render: () => null } },
      ],
    });
    const [best, latest] = runs();
    const figures = mount(TaskFigures, { props: { figures: ['confusion'], runs: [best!, latest!] }, global: { plugins: [router] } });
    const link = figures.get('[data-testid="figure-best-link"]');
    expect(link.attributes('href')).toBe('/evaluate?run=run-best');

    const project = useProjectStore();
    project.addRun('/work/runs/run-best', best!);
    project.addRun('/work/runs/run-latest', latest!);
    await router.push('/evaluate?run=run-best');
    await router.isReady();
    mount({ template: '<router-view />' }, { global: { plugins: [router] } });
    await flushPromises();
    expect(useEvaluationStore().run?.id).toBe('run-best');
  });

  it('puts its wide tables in a box that scrolls sideways, not clipped (lab task 7, Models on your data)', () => {
    const router = anyRouter();
    const [a, b] = runs();
    b!.model = { ...b!.model, name: 'inception_v3' };
    const w = mount(TaskFigures, {
      props: { figures: ['accuracy', 'macroF1', 'extractSeconds', 'trainSeconds', 'totalSeconds', 'models'], runs: [a!, b!] },
      global: { plugins: [router] },
    });
    expect(w.get('[data-testid="figure-table-wrap"]').find('[data-testid="figure-table"]').exists()).toBe(true);
    expect(w.get('[data-testid="model-table-wrap"]').find('[data-testid="model-table"]').exists()).toBe(true);
  });
});

describe("a task's feature maps", () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('gives each of its runs a map of its own, side by side, drawn from that run’s folder when asked', async () => {
    resetApi();
    handle('run.featureMap', ({ runDir }) => ({
      layer: 'out_relu',
      featureDim: 1280,
      explained: [0.3, 0.1],
      datasetImages: 2,
      failed: 0,
      ...(runDir.endsWith('run-latest') ? { fineTuned: 4 } : {}),
      points: [
        { path: 'cat/1.jpg', label: 0, split: 'test', x: 0, y: 0, predicted: 1 },
        { path: 'dog/2.jpg', label: 1, split: 'train', x: 1, y: 1 },
      ],
    }));
    const [best, latest] = runs();
    const project = useProjectStore();
    project.addRun('/work/runs/run-best', best!);
    project.addRun('/work/runs/run-latest', latest!);
    const w = mount(TaskFigures, { props: { figures: ['accuracy', 'featureMaps'], runs: [best!, latest!] }, global: { plugins: [anyRouter()] } });
    const maps = w.findAll('[data-testid="feature-map"]');
    expect(maps).toHaveLength(2);
    expect(maps.map((m) => m.get('h3').text())).toEqual([expect.stringMatching(/^1: /), expect.stringMatching(/^2: /)]);
    await maps[1]!.get('[data-testid="feature-map-draw"]').trigger('click');
    await flushPromises();
    expect(sent('run.featureMap')).toEqual([{ runDir: '/work/runs/run-latest', progressId: 'run:run-latest' }]);
    expect(maps[1]!.get('[data-testid="feature-map-key"]').text()).toMatch(
      /^2 images · 1,280 numbers at out_relu, out of 4 fine-tuned layers · ◆ test, ◆ wrong \(1\)/,
    );
    // the other run's map is its own: not drawn until asked
    expect(maps[0]!.find('[data-testid="feature-map-draw"]').exists()).toBe(true);
  });

  it('draws no maps for a task that does not show them', () => {
    const w = mount(TaskFigures, { props: { figures: ['accuracy'], runs: runs() }, global: { plugins: [anyRouter()] } });
    expect(w.find('[data-testid="feature-map"]').exists()).toBe(false);
  });

  it('opens each run of the table in Evaluate from its name', () => {
    const [best, latest] = runs();
    const w = mount(TaskFigures, { props: { figures: ['accuracy'], runs: [best!, latest!] }, global: { plugins: [anyRouter()] } });
    expect(w.findAll('[data-testid="figure-open"]').map((a) => a.attributes('href'))).toEqual(['/evaluate?run=run-best', '/evaluate?run=run-latest']);
  });
});
