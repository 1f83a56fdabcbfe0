// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { modelCatalog } from '../../../../shared/catalog';
import NoticeBanner from '../../components/NoticeBanner.vue';
import { sampleInspection } from '../../testing/fixtures';
import { fail, handle, resetApi } from '../../testing/mockApi';
import ModelStep from './ModelStep.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

const cachedId = 'mobilenet_v2_100_224';
const offlineId = 'inception_v3_tfhub';

async function mountStep() {
  handle('models.catalog', () => ({ entries: modelCatalog, measured: {}, cached: [cachedId] }));
  // the page and its top banner, as App.vue places them
  const w = mount(
    { components: { ModelStep, NoticeBanner }, template: '<div><NoticeBanner /><ModelStep /></div>' },
    { global: { stubs: { RouterLink: true } } },
  );
  await flushPromises();
  return w;
}

describe('the Model step’s catalog cards', () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });
  afterEach(() => vi.restoreAllMocks());

  it('say which models need a download, and how big, and which are on this machine', async () => {
    const w = await mountStep();
    const card = (id: string) => w.get(`[data-testid="model-card-${id}"]`);
    expect(card(offlineId).get('[data-testid="model-needs-download"]').text()).toBe('needs a download (≈ 87 MB)');
    expect(card('mobilenet_v2_035_224').get('[data-testid="model-needs-download"]').text()).toBe('needs a download (≈ 2 MB)');
    expect(card(cachedId).find('[data-testid="model-needs-download"]').exists()).toBe(false);
    expect(card(cachedId).get('[data-testid="model-cached"]').text()).toBe('on this machine');
  });

  it('show a failed download beside the card clicked, scrolled into view, not at the top of the page', async () => {
    const scrolled = vi.spyOn(HTMLElement.prototype, 'scrollIntoView').mockImplementation(() => undefined);
    const w = await mountStep();
    fail('models.inspect', { code: 'DOWNLOAD_FAILED', message: 'tfhub.dev cannot be reached.', hint: 'Check the connection, or use a model folder.' });
    await w.get(`[data-testid="model-use-${offlineId}"]`).trigger('click');
    await flushPromises();
    const banners = w.findAll('[data-testid="error-banner"]');
    expect(banners).toHaveLength(1);
    expect(w.get(`[data-testid="model-card-${offlineId}"]`).get('[data-testid="error-banner"]').text()).toContain('tfhub.dev cannot be reached.');
    expect(scrolled).toHaveBeenCalled();
    expect(scrolled.mock.contexts.at(-1)).toBe(w.get(`[data-testid="model-card-${offlineId}"] .notices`).element);
  });

  it('once a model loads, its card says it is on this machine, and a failure beside the folder form stays there', async () => {
    vi.spyOn(HTMLElement.prototype, 'scrollIntoView').mockImplementation(() => undefined);
    const w = await mountStep();
    handle('models.inspect', ({ source }) => sampleInspection(source));
    await w.get(`[data-testid="model-use-${offlineId}"]`).trigger('click');
    await flushPromises();
    expect(w.get(`[data-testid="model-card-${offlineId}"]`).find('[data-testid="model-needs-download"]').exists()).toBe(false);

    fail('models.inspect', { code: 'MODEL_NOT_FOUND', message: 'No model there.' });
    await w.get('[data-testid="model-folder-path"]').setValue('/nowhere');
    await w.get('[data-testid="model-card-folder"] form').trigger('submit');
    await flushPromises();
    expect(w.get('[data-testid="model-card-folder"]').get('[data-testid="error-banner"]').text()).toContain('No model there.');
    expect(w.findAll('[data-testid="error-banner"]')).toHaveLength(1);
  });
});
