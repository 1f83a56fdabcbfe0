// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunRecord } from '../../api/types';
import { useProjectStore } from '../../stores/project';
import { sampleRun } from '../../testing/fixtures';
import { emit, fail, handle, resetApi, sent } from '../../testing/mockApi';
import type { FeatureMap } from '../../../../shared/featureMap';
import { useNoticeStore } from '../../stores/notices';
import { useEvaluationStore } from '../../stores/evaluation';
import { usePhotoTrialStore } from '../../stores/photoTrials';
import { mountStep } from '../../testing/mountStep';
import EvaluateStep from './EvaluateStep.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

/** a second, better run: 4 of 4 right */
function laterRun(): RunRecord {
  const r = sampleRun('run-2');
  return {
    ...r,
    createdAt: '2026-01-02T12:00:00.000Z',
    evaluation: {
      ...r.evaluation,
      accuracy: 1,
      macroF1: 1,
      confusionMatrix: [
        [2, 0],
        [0, 2],
      ],
    },
  };
}

describe('the Evaluate step', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
    handle('dataset.thumbnail', () => ({ dataUrl: 'data:image/png;base64,' }));
  });

  it('with no run yet, says so and links to Train', async () => {
    const { w } = await mountStep(EvaluateStep, '/evaluate');
    expect(w.get('.callout a[href="/train"]').text()).toBe('Train one in step 4');
    expect(w.find('[data-testid="eval-accuracy"]').exists()).toBe(false);
  });

  it("shows the run's test figures: accuracy, macro F1, the test count, each class's precision and recall, and how it was trained", async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    const { w } = await mountStep(EvaluateStep, '/evaluate');
    expect(w.get('[data-testid="eval-accuracy"]').text()).toBe('75.0%');
    expect(w.get('[data-testid="eval-macro-f1"]').text()).toBe('73.0%');
    expect(w.text()).toMatch(/4\s*test images/);
    const dog = w.get('[data-testid="metrics-row-dog"]').text();
    expect(dog).toContain('100'); // precision
    expect(dog).toContain('50'); // recall
    expect(w.text()).toContain('mobilenet_v2, cut at out_relu (1280 features)');
    expect(w.find('[data-testid="run-picker"]').exists()).toBe(false);
  });

  it('says what ran each part, and under it, quieter, why no faster device did', async () => {
    const r = sampleRun();
    r.devices = {
      frozenPart: { device: 'cpu', by: "ONNX Runtime's CPU provider", why: 'no GPU adapter: Dawn found no Vulkan adapter' },
      head: { device: 'cpu', by: '@tensorflow/tfjs-backend-wasm', why: '@tensorflow/tfjs-node-gpu: not installed' },
    };
    useProjectStore().addRun('/runs/run-1', r);
    const { w } = await mountStep(EvaluateStep, '/evaluate');
    expect(w.get('[data-testid="eval-device-head"]').text()).toBe('CPU by @tensorflow/tfjs-backend-wasm CPU because @tensorflow/tfjs-node-gpu: not installed');
    // a line of its own: before, one sentence ran on into the reason ("…, because …")
    expect(w.get('[data-testid="eval-device-why-head"]').text()).toBe('CPU because @tensorflow/tfjs-node-gpu: not installed');
    expect(w.get('[data-testid="eval-device-why-frozen-part"]').text()).toBe('CPU because no GPU adapter: Dawn found no Vulkan adapter');
    expect(w.get('[data-testid="eval-device-frozen-part"]').text()).toMatch(/^CPU by ONNX Runtime's CPU provider.*extracted/);
  });

  it('sorts the per-class table by the heading clicked: precision best first, then worst first; by name back', async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    const { w } = await mountStep(EvaluateStep, '/evaluate');
    const order = () => w.findAll('[data-testid^="metrics-row-"]').map((r) => r.attributes('data-testid'));
    expect(order()).toEqual(['metrics-row-cat', 'metrics-row-dog']);
    const precision = w.get('[data-testid="metrics-sort-precision"]');
    expect(precision.attributes('title')).toBe('Of the images it called this class, the share that were');
    await precision.get('button').trigger('click');
    expect(precision.attributes('aria-sort')).toBe('descending');
    expect(order()).toEqual(['metrics-row-dog', 'metrics-row-cat']);
    await precision.get('button').trigger('click');
    expect(order()).toEqual(['metrics-row-cat', 'metrics-row-dog']);
    await w.get('[data-testid="metrics-sort-recall"] button').trigger('click');
    expect(precision.attributes('aria-sort')).toBe('none');
    expect(order()).toEqual(['metrics-row-cat', 'metrics-row-dog']);
    await w.get('[data-testid="metrics-sort-className"] button').trigger('click');
    await w.get('[data-testid="metrics-sort-className"] button').trigger('click');
    expect(order()).toEqual(['metrics-row-dog', 'metrics-row-cat']);
  });

  it("draws a run's feature map when asked: busy while the engine places the images, then the chart and its key; each run its own", async () => {
    const project = useProjectStore();
    project.addRun('/runs/run-1', sampleRun());
    project.addRun('/runs/run-2', laterRun());
    let answer!: (m: FeatureMap) => void;
    handle('run.featureMap', () => new Promise<FeatureMap>((resolve) => (answer = resolve)));
    const { w } = await mountStep(EvaluateStep, '/evaluate');
    expect(w.find('[data-testid="feature-map-chart"]').exists()).toBe(false);
    await w.get('[data-testid="feature-map-draw"]').trigger('click');
    expect(sent('run.featureMap')).toEqual([{ runDir: '/runs/run-2', progressId: 'run:run-2' }]);
    expect(w.get('[data-testid="feature-map-busy"]').text()).toContain('Placing the images…');
    // features the cache lacks are extracted first: the bar counts them, and ignores another map's
    emit('featureMap.progress', { progressId: 'run:run-1', done: 1, total: 99, etaSeconds: null });
    emit('featureMap.progress', { progressId: 'run:run-2', done: 3, total: 10, etaSeconds: 2 });
    await flushPromises();
    expect(w.get('[data-testid="feature-map-busy"]').text()).toContain('Extracting 3 / 10 images…');
    answer({
      layer: 'out_relu',
      featureDim: 1280,
      explained: [0.31, 0.12],
      datasetImages: 10,
      failed: 0,
      points: [
        { path: 'cat/1.jpg', label: 0, split: 'train', x: -1, y: 0 },
        { path: 'cat/2.jpg', label: 0, split: 'test', x: -1.2, y: 0.1, predicted: 0 },
        { path: 'dog/3.jpg', label: 1, split: 'test', x: -0.9, y: 0.2, predicted: 0 },
        { path: 'dog/4.jpg', label: 1, split: 'val', x: 1, y: 0 },
      ],
    });
    await flushPromises();
    expect(w.find('[data-testid="feature-map-busy"]').exists()).toBe(false);
    expect(w.find('[data-testid="feature-map-chart"]').exists()).toBe(true);
    expect(w.get('[data-testid="feature-map"]').text()).toContain('1,280 numbers at out_relu');
    expect(w.get('[data-testid="feature-map-key"]').text()).toMatch(/^4 of 10 images .* a test image the run got wrong \(1\)/);
    expect(w.get('[data-testid="feature-map-detail"]').text()).toBe('Click a point to see its image.');
    // another run: its own map, not drawn yet
    await w.get('[data-testid="run-picker"]').setValue('run-1');
    expect(w.find('[data-testid="feature-map-chart"]').exists()).toBe(false);
    expect(w.find('[data-testid="feature-map-draw"]').exists()).toBe(true);
    await w.get('[data-testid="run-picker"]').setValue('run-2');
    expect(w.find('[data-testid="feature-map-chart"]').exists()).toBe(true);
  });

  it('a map the engine cannot draw says why in the banner, and the button stays to try again', async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    fail('run.featureMap', { code: 'DATASET_NOT_FOUND', message: "The run's dataset folder /data/pets is gone.", hint: 'Move the dataset back.' });
    const { w } = await mountStep(EvaluateStep, '/evaluate');
    await w.get('[data-testid="feature-map-draw"]').trigger('click');
    await flushPromises();
    expect(useNoticeStore().notices[0]?.message).toContain('/data/pets is gone');
    expect(w.find('[data-testid="feature-map-draw"]').exists()).toBe(true);
  });

  it('shows the latest run; the picker, or an address naming a run, opens another', async () => {
    const project = useProjectStore();
    project.addRun('/runs/run-1', sampleRun());
    project.addRun('/runs/run-2', laterRun());
    const { w, router } = await mountStep(EvaluateStep, '/evaluate');
    expect(w.get('[data-testid="eval-accuracy"]').text()).toBe('100.0%');
    await w.get('[data-testid="run-picker"]').setValue('run-1');
    expect(w.get('[data-testid="eval-accuracy"]').text()).toBe('75.0%');
    await router.push('/evaluate?run=run-2');
    await flushPromises();
    expect(w.get('[data-testid="eval-accuracy"]').text()).toBe('100.0%');
  });

  it('a click on a confusion opens its test images, named as what they were and what the model said', async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    const { w } = await mountStep(EvaluateStep, '/evaluate');
    await w.get('[data-testid="cm-cell-1-0"]').trigger('click');
    await flushPromises();
    const cell = w.get('[data-testid="cell-images"]');
    expect(cell.text()).toContain('dog taken for cat');
    const images = w.findAll('[data-testid="cell-image"]');
    expect(images.map((i) => i.attributes('title'))).toEqual(['dog/3.jpg']);
    expect(images[0]!.text()).toContain('61%');
    await w.get('[data-testid="cm-cell-0-1"]').trigger('click');
    expect(w.get('[data-testid="cell-images"]').text()).toContain('No test image falls in this cell.');
  });

  it('shows the matrix as counts, or as shares of each true class', async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    const { w } = await mountStep(EvaluateStep, '/evaluate');
    const evaluation = useEvaluationStore();
    expect(evaluation.byTrueClass).toBe(false);
    await w.get('[data-testid="cm-view-shares"]').setValue(true);
    expect(evaluation.byTrueClass).toBe(true);
    await w.get('[data-testid="cm-view-counts"]').setValue(true);
    expect(evaluation.byTrueClass).toBe(false);
  });

  it('asks the run picked about the photos tried on another', async () => {
    const project = useProjectStore();
    project.addRun('/runs/run-1', sampleRun());
    project.addRun('/runs/run-2', laterRun());
    handle('run.classify', ({ runDir, photos }) => ({ answers: photos.map((p) => ({ file: p.name, top: [{ className: runDir, probability: 1 }] })) }));
    const { w } = await mountStep(EvaluateStep, '/evaluate');
    await usePhotoTrialStore().add([new File(['x'], 'mine.png')], { runDir: '/runs/run-2', id: 'run-2' });
    await flushPromises();
    expect(w.get('[data-testid="try-answer"]').text()).toContain('/runs/run-2');
    await w.get('[data-testid="run-picker"]').setValue('run-1');
    await vi.waitFor(() => expect(w.get('[data-testid="try-answer"]').text()).toContain('/runs/run-1'));
    expect(sent('run.classify').map((r) => r.runDir)).toEqual(['/runs/run-2', '/runs/run-1']);
  });

  it('Next goes to Export', async () => {
    useProjectStore().addRun('/runs/run-1', sampleRun());
    const { w, router } = await mountStep(EvaluateStep, '/evaluate');
    await w.get('[data-testid="evaluate-next"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/export');
  });
});
