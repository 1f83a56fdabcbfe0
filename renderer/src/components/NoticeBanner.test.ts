// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useNoticeStore } from '../stores/notices';
import { ApiError } from '../testing/mockApi';
import NoticeBanner from './NoticeBanner.vue';

vi.mock('../api/client', () => import('../testing/mockApi'));

describe('NoticeBanner', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('shows failures with their code and hint, news without a code, and goes with the step', async () => {
    const notices = useNoticeStore();
    notices.enterStep('dataset');
    notices.report(new ApiError({ code: 'DATASET_NOT_FOUND', message: 'No such folder.', hint: 'Check the path.' }), 'Scanning the dataset');
    notices.inform('1 run finished while the app was closed and was added; save to keep it.', 'Runs added', { scope: 'project' });
    const w = mount(NoticeBanner);
    expect(w.get('[data-testid="error-banner"]').text()).toContain('DATASET_NOT_FOUND');
    expect(w.get('[data-testid="error-hint"]').text()).toBe('Check the path.');
    expect(w.get('[data-testid="info-banner"]').text()).toContain('save to keep it');
    expect(w.get('[data-testid="info-banner"]').text()).not.toContain('INFO');
    notices.enterStep('train');
    await w.vm.$nextTick();
    expect(w.find('[data-testid="error-banner"]').exists()).toBe(false);
    await w.get('[data-testid="info-banner"] [data-testid="error-dismiss"]').trigger('click');
    expect(w.find('.notices').exists()).toBe(false);
  });

  it('shows a command the engine wrote in backquotes as code, not as backquotes', () => {
    useNoticeStore().report(
      new ApiError({
        code: 'RUN_NOT_FOUND',
        message: '/r is not a run folder (no run.json).',
        hint: 'Give the folder that `transfer-lab train` printed as runDir.',
      }),
      'Opening a run',
    );
    const hint = mount(NoticeBanner).get('[data-testid="error-hint"]');
    expect(hint.text()).toBe('Give the folder that transfer-lab train printed as runDir.');
    expect(hint.get('code').text()).toBe('transfer-lab train');
  });
});
