// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { labs } from '../../../shared/lab';
import { useEvaluationStore } from '../stores/evaluation';
import { useProjectStore } from '../stores/project';
import { sampleRun } from '../testing/fixtures';
import SideBar from './SideBar.vue';

vi.mock('../api/client', () => import('../testing/mockApi'));

describe('the sidebar', () => {
  beforeEach(() => {
    sessionStorage.clear();
    setActivePinia(createPinia());
  });

  it("names the run whose accuracy it shows, the one chosen in the Evaluate step, not only the latest's figure", async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)', component: { render: () => null } }] });
    await router.push('/dataset');
    const best = sampleRun('run-best');
    best.evaluation = { ...best.evaluation, accuracy: 0.9 };
    const latest = sampleRun('run-latest');
    latest.evaluation = { ...latest.evaluation, accuracy: 0.4 };
    const project = useProjectStore();
    project.addRun('/work/runs/run-best', best);
    project.addRun('/work/runs/run-latest', latest);
    const w = mount(SideBar, { global: { plugins: [router] } });
    await flushPromises();
    expect(w.get('[data-testid="nav-evaluate"]').text()).toContain('run 2 · 40.0%');
    useEvaluationStore().selectRun('run-best');
    await flushPromises();
    expect(w.get('[data-testid="nav-evaluate"]').text()).toContain('run 1 · 90.0%');
  });

  it("counts the guided lab's questions where no lab is open, in a line that fits", async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)', component: { render: () => null } }] });
    await router.push('/dataset');
    const w = mount(SideBar, { global: { plugins: [router] } });
    await flushPromises();
    // "questions answered by experiment" was cut to "questions answered by …" at the sidebar's width
    // the questions, not the tasks: a task asks one or more
    const questions = labs[0]!.tasks.reduce((n, t) => n + t.questions.length, 0);
    expect(questions).toBeGreaterThan(labs[0]!.tasks.length);
    expect(w.get('[data-testid="nav-lab"]').text()).toContain(`${questions} questions to answer`);
  });
});
