// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { useTrainConfigStore } from '../../stores/trainConfig';
import LabPage from './LabPage.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

async function openLab(at: string) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/lab', component: LabPage }, { path: '/:any', component: { render: () => null } }] });
  await router.push(at);
  await router.isReady();
  const w = mount({ template: '<router-view />' }, { global: { plugins: [router] } });
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
});
