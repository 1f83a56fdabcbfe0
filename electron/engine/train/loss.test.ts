import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../tf/backend';
import { batchLoss, crossEntropyOf } from './loss';
import { seededRandom } from './rng';

beforeAll(async () => {
  await initBackend('wasm');
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe('the training loss, read once and computed in one pass', () => {
  it("gives TF.js's softmax cross-entropy, its gradient and the hits, large logits included", async () => {
    const r = seededRandom(7);
    const n = 6;
    const k = 5;
    // one row far from zero: a naive exp would overflow
    const z = Float32Array.from({ length: n * k }, (_, i) => (i < k ? 200 : 0) + (r() - 0.5) * 8);
    const labels = [0, 4, 2, 2, 1, 3];
    const logits = tf.tensor2d(z, [n, k]);
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), k);
    const lossOf = (x: tf.Tensor) => tf.losses.softmaxCrossEntropy(oneHot, x) as tf.Scalar;
    const [want, wantGrad] = [lossOf(logits), tf.grad(lossOf)(logits)];
    const argMax = await tf.argMax(logits, -1).data();
    const ours = crossEntropyOf(z, labels, k);
    expect(Math.abs(ours.loss - (await want.data())[0]!)).toBeLessThan(1e-5);
    expect(maxDiff(ours.gradient, await wantGrad.data())).toBeLessThan(1e-6);
    expect(ours.hits).toBe(labels.filter((l, i) => argMax[i] === l).length);
    expect(Number.isFinite(ours.loss)).toBe(true);
  });

  it('the fused loss and the ops give a head the same gradients, loss and hits', async () => {
    const r = seededRandom(3);
    const w = tf.variable(
      tf.tensor2d(
        Float32Array.from({ length: 12 * 4 }, () => r() - 0.5),
        [12, 4],
      ),
    );
    const x = tf.tensor2d(
      Float32Array.from({ length: 8 * 12 }, () => r() * 2),
      [8, 12],
    );
    const labels = [0, 1, 2, 3, 3, 2, 1, 0];
    const run = async (fused: boolean) => {
      let read = async () => ({ loss: 0, hits: 0 });
      let free = () => undefined as void;
      const { grads, value } = tf.variableGrads(() => {
        const b = batchLoss(tf.matMul(x, w), labels, 4, fused);
        read = () => b.read();
        free = () => b.dispose();
        return b.loss;
      }, [w]);
      const out = { grad: await grads[w.name]!.data(), ...(await read()), tensor: (await value.data())[0]! };
      free();
      tf.dispose([value, grads[w.name]!]);
      return out;
    };
    const before = tf.memory().numTensors;
    const [fused, ops] = [await run(true), await run(false)];
    expect(tf.memory().numTensors).toBe(before);
    expect(maxDiff(fused.grad, ops.grad)).toBeLessThan(1e-6);
    expect(Math.abs(fused.loss - ops.loss)).toBeLessThan(1e-6);
    // the loss said is the value the tensor holds
    expect(fused.loss).toBe(fused.tensor);
    expect(fused.hits).toBe(ops.hits);
    expect(fused.hits).toBeGreaterThan(0);
  });
});
