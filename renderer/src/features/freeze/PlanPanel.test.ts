// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FreezePlan, ModelInspection } from '../../api/types';
import { useFreezeStore } from '../../stores/freeze';
import { useModelStore } from '../../stores/model';
import { useTrainConfigStore } from '../../stores/trainConfig';
import { sampleInspection } from '../../testing/fixtures';
import { handle, resetApi } from '../../testing/mockApi';
import PlanPanel from './PlanPanel.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

/** MobileNetV2's top, with its real shapes: block_16_project is 7×7×320, out_relu 7×7×1280 */
function mobilenet(): ModelInspection {
  const i = sampleInspection();
  const layer = (index: number, name: string, className: string, outputShape: number[], params = 0) => ({
    index,
    name,
    className,
    outputShape,
    params,
    trainableParams: params,
    inbound: [],
  });
  i.layers = [
    layer(0, 'input_1', 'InputLayer', [224, 224, 3]),
    layer(1, 'block_16_project', 'Conv2D', [7, 7, 320], 307_200),
    layer(2, 'Conv_1', 'Conv2D', [7, 7, 1280], 409_600),
    layer(3, 'out_relu', 'ReLU', [7, 7, 1280]),
  ];
  return i;
}

const headOnly = (cut: string, shape: number[]): FreezePlan => ({
  cut,
  cutShape: shape,
  pooling: 'avg',
  featureDim: shape[2]!,
  frozenParams: 2_257_984,
  trainableParams: 2562,
  cacheBytesPerImage: shape[2]! * 4,
  extractMemoryMiB: 700,
  trainMemoryMiB: 1,
  fineTune: null,
  fineTuneUnavailable: null,
});
const fineTuned = (): FreezePlan => ({
  ...headOnly('out_relu', [7, 7, 1280]),
  fineTune: {
    split: 'block_16_project',
    splitShape: [7, 7, 320],
    layers: ['Conv_1', 'Conv_1_bn', 'out_relu'],
    trainableParams: 412_160,
    mflopsPerImage: 60,
    cacheBytesPerImage: 7 * 7 * 320 * 4,
    trainMemoryMiB: 42,
  },
});

async function mountWith(answer: FreezePlan) {
  handle('models.inspect', () => mobilenet());
  handle('freeze.plan', () => answer);
  await useModelStore().use('/models/mnv2');
  if (answer.fineTune) useTrainConfigStore().setConfig({ fineTuneLayers: answer.fineTune.layers.length });
  if (answer.cut !== 'out_relu') await useFreezeStore().selectCut(answer.cut);
  else await useFreezeStore().refreshPlan();
  const w = mount(PlanPanel);
  await flushPromises();
  return w;
}

describe('the Freeze step’s plan', () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });

  it('with fine-tuning shows one training-memory row and counts the fine-tuned parameters as trained', async () => {
    const w = await mountWith(fineTuned());
    const rows = w.findAll('dt').filter((d) => d.text().startsWith('Memory, training'));
    expect(rows).toHaveLength(1);
    expect(w.get('[data-testid="memory-train"]').text()).toContain('42 MiB');
    // 2,562 of the head + 412,160 of the top layers; they are no longer counted frozen
    expect(w.get('[data-testid="trainable-params"]').text()).toContain('414.7 k');
    expect(w.get('[data-testid="frozen-params"]').text()).toBe('1.85 M');
    expect(w.findAll('dt').filter((d) => d.text().startsWith('Cache on disk'))).toHaveLength(1);
    expect(w.get('[data-testid="cache-size"]').text()).toContain('61.3 KiB per image');
  });

  it('keeps a number being typed in the fine-tune field when a plan arrives under it', async () => {
    const w = await mountWith(headOnly('out_relu', [7, 7, 1280]));
    let answer: () => void = () => undefined;
    handle('freeze.plan', () => new Promise<FreezePlan>((resolve) => (answer = () => resolve(fineTuned()))));
    const pending = useFreezeStore().refreshPlan();
    await flushPromises();
    // typed, not yet committed: the field still has the focus
    const field = w.get('[data-testid="freeze-fine-tune"]').element as HTMLInputElement;
    field.value = '6';
    answer();
    await pending;
    await flushPromises();
    expect(w.find('[data-testid="fine-tune-plan"]').exists()).toBe(true);
    expect(field.value).toBe('6');
  });

  it('says, under the training memory, when the batch would not fit and which batch would', async () => {
    expect((await mountWith(fineTuned())).find('[data-testid="memory-refusal"]').exists()).toBe(false);
    resetApi();
    setActivePinia(createPinia());
    const tooBig = fineTuned();
    tooBig.fineTune!.trainMemoryMiB = 5734;
    tooBig.fineTune!.memoryRefusal =
      'Fine-tuning 3 layers at a batch of 530 needs about 5.6 GiB; with the 0.1 GiB the network already holds, that is more than the 4 GiB the wasm backend can address. Use a batch of 370 or less.';
    const w = await mountWith(tooBig);
    expect(w.get('[data-testid="memory-train"]').text()).toContain('5734 MiB');
    expect(w.get('[data-testid="memory-refusal"]').text()).toContain('Use a batch of 370 or less.');
  });

  it('says what the numbers say about the bottleneck’s size: block_16_project’s 320 features are fewer than out_relu’s 1280', async () => {
    const w = await mountWith(headOnly('block_16_project', [7, 7, 320]));
    const text = w.get('[data-testid="bottleneck-size"]').text();
    expect(text).not.toMatch(/bigger bottlenecks/);
    expect(text).toContain('block_16_project (7 × 7 × 320) gives 320 features an image, fewer than out_relu’s 1,280 (7 × 7 × 1280)');
    expect(text).toContain('4× smaller');
  });

  it('at the default cut makes no claim that lower is bigger', async () => {
    const w = await mountWith(headOnly('out_relu', [7, 7, 1280]));
    const text = w.get('[data-testid="bottleneck-size"]').text();
    expect(text).not.toMatch(/bigger bottleneck/);
    expect(text).toContain('as many features as it has channels');
  });
});
