// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { modelCatalog } from '../../../../shared/catalog';
import { modelRows } from '../../../../shared/compare';
import type { ExtractionMeasurement } from '../../../../shared/extraction';
import EvaluateStep from '../evaluate/EvaluateStep.vue';
import ModelTable from '../experiments/ModelTable.vue';
import { useModelStore } from '../../stores/model';
import { useProjectStore } from '../../stores/project';
import { sampleRun } from '../../testing/fixtures';
import { handle, resetApi } from '../../testing/mockApi';
import ModelCard from './ModelCard.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

const entry = modelCatalog.find((e) => e.family === 'mobilenet_v2' && e.defaultCut)!;
// measured once on 768 images; a later 11-image run and a cached run must not change the figure
const once: ExtractionMeasurement = { images: 768, seconds: 12, imagesPerSecond: 64, measuredAt: '2026-12-05T08:00:00.000Z', extractor: 'onnx', device: 'cpu' };
const figure = '64.0 images/s (15.6 ms an image)';

function runs() {
  const first = sampleRun('run-1');
  first.createdAt = '2026-12-05T08:00:00.000Z';
  first.cache = { hits: 0, misses: 768, dir: '/c/k' };
  first.extractor = { runtime: 'onnx', backend: 'onnxruntime-node', workers: 2, threads: 1, batchSize: 16, imagesPerSecond: 64 };
  first.extraction = { source: 'extracted', extracted: 768, cached: 0, measurement: once };
  const few = sampleRun('run-2');
  few.createdAt = '2026-12-05T09:00:00.000Z';
  few.cache = { hits: 757, misses: 11, dir: '/c/k' };
  // 11 images timed at 29.3 images/s: too few to be the model's speed
  few.extractor = { ...first.extractor, imagesPerSecond: null };
  few.extraction = { source: 'mixed', extracted: 11, cached: 757, measurement: once };
  const cached = sampleRun('run-3');
  cached.createdAt = '2026-12-05T10:00:00.000Z';
  cached.cache = { hits: 768, misses: 0, dir: '/c/k' };
  cached.extractor = { runtime: 'cache', backend: 'wasm', workers: 0, batchSize: 0, imagesPerSecond: null };
  cached.extraction = { source: 'cache', extracted: 0, cached: 768, measurement: once };
  cached.devices = {
    frozenPart: { device: 'none', by: 'the feature cache', why: 'extracted once: 12 s for 768 images, 64.0 images/s (15.6 ms an image); reused since' },
    head: { device: 'cpu', by: 'wasm' },
  };
  return [first, few, cached];
}

describe('one extraction speed per model, everywhere', () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });

  it("the model card shows the cache's measurement for the model on this machine", async () => {
    handle('models.catalog', () => ({ entries: modelCatalog, measured: { [entry.id]: { [entry.defaultCut!]: once } }, cached: [] }));
    await useModelStore().loadCatalog();
    const card = mount(ModelCard, { props: { entry, maxMacs: 1000 } });
    expect(card.get('[data-testid="measured-speed"]').text()).toBe(figure);
  });

  it('the Experiments table and the Evaluate step of a cached run give the same figure', async () => {
    const all = runs();
    const table = mount(ModelTable, { props: { rows: modelRows(all) } });
    expect(table.get('[data-testid="model-speed"]').text()).toBe(figure);

    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/evaluate', component: EvaluateStep }] });
    const project = useProjectStore();
    for (const r of all) project.addRun(`/work/runs/${r.id}`, r);
    await router.push('/evaluate?run=run-3');
    await router.isReady();
    const page = mount({ template: '<router-view />' }, { global: { plugins: [router] } });
    await flushPromises();
    // one row for the frozen part: no second or third line repeating the extraction
    expect(page.get('[data-testid="eval-device-frozen-part"]').text()).toBe(
      `not run: every feature from the cache, extracted once by ONNX Runtime (CPU): 12 s for 768 images, ${figure}`,
    );
    expect(page.text().split(figure)).toHaveLength(2);
    expect(page.get('[data-testid="eval-device-head"]').text()).toBe('CPU by wasm');
  });
});
