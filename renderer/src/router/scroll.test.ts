import { describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { scrollToTopOnStep } from './scroll';

describe('moving between steps', () => {
  it('opens a new step at its top ("Next: …" opened it scrolled mid-page), and keeps the place when only the query changes', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:step', component: { render: () => null } }] });
    const pane = { scrollTo: vi.fn() };
    scrollToTopOnStep(router, () => pane);
    await router.push('/model');
    pane.scrollTo.mockClear();
    await router.push('/freeze');
    expect(pane.scrollTo).toHaveBeenCalledWith({ top: 0, left: 0 });
    pane.scrollTo.mockClear();
    await router.push('/freeze?task=learning-rate');
    expect(pane.scrollTo).not.toHaveBeenCalled();
  });
});
