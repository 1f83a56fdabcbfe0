// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import EvaluateStep from '../evaluate/EvaluateStep.vue';
import { useEvaluationStore } from '../../stores/evaluation';
import { useProjectStore } from '../../stores/project';
import { sampleRun } from '../../testing/fixtures';
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
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)', component: { render: () => null } }] });
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
