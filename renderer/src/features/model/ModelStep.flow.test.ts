// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { modelCatalog } from '../../../../shared/catalog';
import type { ModelInspection } from '../../api/types';
import { sampleInspection } from '../../testing/fixtures';
import { emit, handle, resetApi, sent } from '../../testing/mockApi';
import { mountStep } from '../../testing/mountStep';
import ModelStep from './ModelStep.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

describe('the Model step, from choosing to the next step', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
    handle('models.catalog', () => ({ entries: modelCatalog, measured: {}, cached: [] }));
    handle('models.inspect', ({ source }) => sampleInspection(source));
  });

  it('loads the catalog once and offers each model in it', async () => {
    const { w } = await mountStep(ModelStep, '/model');
    for (const e of modelCatalog) expect(w.find(`[data-testid="model-use-${e.id}"]`).exists()).toBe(true);
    await mountStep(ModelStep, '/model');
    expect(sent('models.catalog')).toHaveLength(1);
  });

  it('Enter in the folder field loads that model and says what the engine found in it; Next goes to the cut', async () => {
    const { w, router } = await mountStep(ModelStep, '/model');
    await w.get('[data-testid="model-folder-path"]').setValue('/models/mnv2');
    await w.get('[data-testid="model-card-folder"] form').trigger('submit');
    await flushPromises();
    expect(sent('models.inspect')).toEqual([{ source: '/models/mnv2' }]);
    expect(w.get('[data-testid="model-name"]').text()).toBe('mobilenet_v2');
    const facts = w.get('[data-testid="model-current"]').text();
    expect(facts).toContain('224 × 224 px');
    expect(facts).toContain('out_relu');
    await w.get('[data-testid="model-next"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/freeze');
  });

  it('the address form waits for an address, then Use loads it', async () => {
    const { w } = await mountStep(ModelStep, '/model');
    const use = w.get('[data-testid="model-address-use"]');
    expect(use.attributes('disabled')).toBeDefined();
    await w.get('[data-testid="model-address"]').setValue('https://tfhub.dev/google/tfjs-model/x/1');
    await use.trigger('click');
    await flushPromises();
    expect(sent('models.inspect')).toEqual([{ source: 'https://tfhub.dev/google/tfjs-model/x/1' }]);
  });

  it('while a model downloads, shows its progress and takes no other model', async () => {
    let done!: (i: ModelInspection) => void;
    handle('models.inspect', () => new Promise<ModelInspection>((r) => (done = r)));
    const { w } = await mountStep(ModelStep, '/model');
    const id = modelCatalog[0]!.id;
    await w.get(`[data-testid="model-use-${id}"]`).trigger('click');
    emit('download.progress', { source: id, file: 'group1-shard1of3.bin', bytesDone: 1_048_576, bytesTotal: 4_194_304, filesDone: 1, filesTotal: 4 });
    await flushPromises();
    expect(w.get('[data-testid="model-download-progress"]').text()).toContain('Downloading group1-shard1of3.bin (file 2 of 4)');
    for (const e of modelCatalog) expect(w.get(`[data-testid="model-use-${e.id}"]`).attributes('disabled')).toBeDefined();
    await w.get('[data-testid="model-folder-path"]').setValue('/models/other');
    expect(w.get('[data-testid="model-folder-use"]').attributes('disabled')).toBeDefined();
    expect(w.get('[data-testid="model-folder-path"]').attributes('disabled')).toBeDefined();
    done(sampleInspection(id));
    await flushPromises();
    expect(w.get(`[data-testid="model-use-${modelCatalog[1]!.id}"]`).attributes('disabled')).toBeUndefined();
  });
});
