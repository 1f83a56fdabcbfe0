// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FreezePlan } from '../../api/types';
import { useModelStore } from '../../stores/model';
import { sampleInspection, sampleScan } from '../../testing/fixtures';
import { useDatasetStore } from '../../stores/dataset';
import type { FeatureMap } from '../../../../shared/featureMap';
import { ApiError, handle, resetApi, sent } from '../../testing/mockApi';
import { mountStep } from '../../testing/mountStep';
import FreezeStep from './FreezeStep.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

const plan = (cut: string): FreezePlan => ({
  cut,
  cutShape: [7, 7, 1280],
  pooling: 'avg',
  featureDim: 1280,
  frozenParams: 2_257_984,
  trainableParams: 2562,
  cacheBytesPerImage: 5120,
  extractMemoryMiB: 700,
  trainMemoryMiB: 1,
  fineTune: null,
  fineTuneUnavailable: null,
});

async function withModel(inspection = sampleInspection()) {
  handle('models.inspect', () => inspection);
  await useModelStore().use(inspection.source);
  return mountStep(FreezeStep, '/freeze');
}

describe('the Freeze step', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
    handle('freeze.plan', ({ cut }) => plan(cut ?? 'out_relu'));
  });

  it('with no model, says to choose one and links to step 2; while one loads, says so', async () => {
    const { w } = await mountStep(FreezeStep, '/freeze');
    expect(w.get('.callout').text()).toContain('Choose a model first.');
    expect(w.get('.callout a[href="/model"]').text()).toBe('Go to step 2');
    expect(w.find('[data-testid="freeze-next"]').exists()).toBe(false);
    handle('models.inspect', () => new Promise(() => undefined));
    void useModelStore().use('/models/mnv2');
    await flushPromises();
    expect(w.get('.callout').text()).toContain('The model is still loading…');
    expect(w.find('.callout a').exists()).toBe(false);
  });

  it("lists the model's layers and plans its default cut as it opens", async () => {
    const { w } = await withModel();
    expect(w.text()).toContain('4 layers');
    expect(sent('freeze.plan')).toEqual([expect.objectContaining({ source: '/models/mnv2', cut: null, classCount: 2 })]);
    expect(w.get('[data-testid="selected-cut"]').text()).toBe('out_relu');
  });

  it('a click on a layer cuts there; the keyboard does the same; the input layer cannot be a cut', async () => {
    const { w } = await withModel();
    await w.get('[data-testid="layer-row-Conv1"]').trigger('click');
    await flushPromises();
    expect(sent('freeze.plan').at(-1)?.cut).toBe('Conv1');
    expect(w.get('[data-testid="selected-cut"]').text()).toBe('Conv1');
    await w.get('[data-testid="layer-row-input_1"]').trigger('click');
    await flushPromises();
    expect(sent('freeze.plan')).toHaveLength(2);
    const list = w.get('[data-testid="layer-list"]');
    await list.trigger('keydown', { key: 'End' });
    await list.trigger('keydown', { key: 'Enter' });
    await flushPromises();
    expect(sent('freeze.plan').at(-1)?.cut).toBe('predictions');
  });

  it('a frozen graph, already cut by its publisher, is explained instead of a layer list', async () => {
    const { w } = await withModel({ ...sampleInspection(), format: 'graph', layers: [], defaultCut: 'feature_vector' });
    expect(w.get('[data-testid="graph-model-note"]').text()).toContain('feature_vector');
    expect(w.find('[data-testid="layer-list"]').exists()).toBe(false);
  });

  it("shows the engine's refusal to plan a cut as a message, asks once (not again and again), drops it once a cut plans, and Next goes to Train", async () => {
    let asked = 0;
    handle('freeze.plan', () => {
      // the step once asked again after every failure, as fast as the engine answered: stop it after a few
      if (++asked > 3) return new Promise<FreezePlan>(() => undefined);
      throw new ApiError({ code: 'MODEL_LAYER_NOT_FOUND', message: 'No layer out_relu in this model.' });
    });
    const { w, router } = await withModel();
    expect(w.get('[data-testid="error-message"]').text()).toBe('No layer out_relu in this model.');
    expect(asked).toBe(1);
    // another cut that plans: the refusal is no longer true
    handle('freeze.plan', ({ cut }) => plan(cut ?? 'out_relu'));
    await w.get('[data-testid="layer-row-Conv1"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-testid="error-banner"]').exists()).toBe(false);
    await w.get('[data-testid="freeze-next"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/train');
  });

  it('draws the scanned images as a head cut at the chosen layer would see them, and keeps each cut’s map', async () => {
    handle('dataset.scan', ({ path }) => sampleScan(path));
    await useDatasetStore().scanFolder('/data/pets');
    const asked: (string | null)[] = [];
    handle('dataset.featureMap', ({ cut }): FeatureMap => {
      asked.push(cut);
      return {
        layer: cut ?? 'out_relu',
        featureDim: cut ? 16 : 1280,
        explained: [0.5, 0.2],
        datasetImages: 4,
        failed: 0,
        points: [
          { path: 'cat/1.jpg', label: 0, split: 'train', x: 0, y: 0 },
          { path: 'dog/3.jpg', label: 1, split: 'test', x: 1, y: 1 },
        ],
      };
    });
    const { w } = await withModel();
    const map = () => w.get('[data-testid="cut-map"]');
    expect(map().text()).toContain('cut at out_relu');
    await map().get('[data-testid="feature-map-draw"]').trigger('click');
    await flushPromises();
    expect(sent('dataset.featureMap')).toEqual([
      { root: '/data/pets', split: { val: 0.1, test: 0.2 }, source: '/models/mnv2', cut: null, progressId: expect.stringMatching(/^cut:/) },
    ]);
    expect(map().get('[data-testid="feature-map-key"]').text()).toMatch(/^2 images · 1,280 numbers at out_relu · ◆ test$/);
    // another cut: its own map, drawn when asked
    await w.get('[data-testid="layer-row-Conv1"]').trigger('click');
    await flushPromises();
    expect(map().find('[data-testid="feature-map-draw"]').exists()).toBe(true);
    await map().get('[data-testid="feature-map-draw"]').trigger('click');
    await flushPromises();
    expect(map().get('[data-testid="feature-map-key"]').text()).toContain('16 numbers at Conv1');
    // back to the default: its map is still there, not asked for again
    await w.get('[data-testid="cut-default"]').trigger('click');
    await flushPromises();
    expect(map().get('[data-testid="feature-map-key"]').text()).toContain('1,280 numbers at out_relu');
    expect(asked).toEqual([null, 'Conv1']);
  });

  it('before a scan, says the map needs a dataset', async () => {
    const { w } = await withModel();
    expect(w.get('[data-testid="cut-map"]').text()).toContain('Scan a dataset in step 1');
    expect(w.find('[data-testid="feature-map-draw"]').exists()).toBe(false);
  });
});
