import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { loadLayersBackbone } from '../models/loadBackbone';
import { resolveModel } from '../models/resolveModel';
import { planBackbone } from '../run/openBackbone';
import { ensureConvolutionGradients, initBackend } from '../tf/backend';
import { buildTop, chooseSplit } from '../train/fineTune';
import { fineTunePlan } from './fineTunePlan';

/**
 * The Freeze step's "Memory, training" for fine-tuning, against what training the top takes:
 * the peak of TF.js's tensors over Adam steps of MobileNetV2's top 4 layers, the weights counted.
 * Before, the estimate said 16 MiB at batch 8 and 25 MiB at batch 32 (about 86 and 296 measured).
 */
describe('the memory a fine-tuning plan announces', () => {
  for (const batch of [8, 32])
    it(`is within a factor of two of what training the top takes, at batch ${batch}`, async () => {
      await initBackend('wasm');
      await ensureConvolutionGradients();
      const model = await resolveModel(pretrainedModelDir('mobilenet_v2'));
      const plan = await planBackbone(model, undefined);
      const announced = (await fineTunePlan(model, plan, 4, batch, 0)).fineTune!;
      const m = await loadLayersBackbone(model.dir);
      const point = chooseSplit(m, plan.cut, 4);
      const top = buildTop(m, point.split, plan.cut);
      const x = tf.randomNormal([batch, ...(m.getLayer(point.split).outputShape as number[]).slice(1)]);
      const optimizer = tf.train.adam(1e-3);
      const vars = top.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      const before = tf.memory().numBytes;
      let peak = 0;
      for (let step = 0; step < 2; step++) {
        const p = await tf.profile(() => {
          optimizer.minimize(() => tf.mean(tf.square(top.apply(x, { training: false }) as tf.Tensor)) as tf.Scalar, false, vars);
        });
        peak = Math.max(peak, p.peakBytes - before);
      }
      const measuredMiB = (peak + announced.trainableParams * 4) / 2 ** 20;
      optimizer.dispose();
      x.dispose();
      m.dispose();
      expect(announced.trainMemoryMiB, `measured ${measuredMiB.toFixed(1)} MiB`).toBeGreaterThan(measuredMiB / 2);
      expect(announced.trainMemoryMiB, `measured ${measuredMiB.toFixed(1)} MiB`).toBeLessThan(measuredMiB * 2);
    }, 120_000);

  it('says, where the batch would not fit the wasm heap, what training would refuse and which batch fits', async () => {
    await initBackend('wasm');
    const model = await resolveModel(pretrainedModelDir('mobilenet_v2'));
    const plan = await planBackbone(model, undefined);
    expect((await fineTunePlan(model, plan, 4, 32, 0)).fineTune!.memoryRefusal).toBeNull();
    const big = (await fineTunePlan(model, plan, 4, 530, 0)).fineTune!;
    expect(big.trainMemoryMiB).toBeGreaterThan(4096);
    expect(big.memoryRefusal).toMatch(/^Fine-tuning 4 layers at a batch of 530 needs about [\d.]+ GiB; .* Use a batch of \d+ or less/);
  });
});
