import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../tf/backend';
import { FusedAdam, FusedMomentum, optimizerFor } from './fusedOptimizers';
import { seededRandom } from './rng';

beforeAll(async () => {
  await initBackend('wasm');
});

/** two variables (a kernel and a bias) and a fixed sequence of gradients, the same for every optimizer */
function problem(seed: number) {
  const r = seededRandom(seed);
  const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (r() - 0.5) * scale);
  const start = { w: rand(64 * 10), b: rand(10) };
  const grads = Array.from({ length: 40 }, (_, k) => ({ w: rand(64 * 10, k % 7 === 0 ? 10 : 0.1), b: rand(10, 0.01) }));
  return { start, grads };
}

async function train(opt: tf.Optimizer, p: ReturnType<typeof problem>, steps: [number, number], vars?: { w: tf.Variable; b: tf.Variable }) {
  const v = vars ?? { w: tf.variable(tf.tensor2d(p.start.w, [64, 10])), b: tf.variable(tf.tensor1d(p.start.b)) };
  for (let k = steps[0]; k < steps[1]; k++) {
    const g = p.grads[k]!;
    const gw = tf.tensor2d(g.w, [64, 10]);
    const gb = tf.tensor1d(g.b);
    opt.applyGradients({ [v.w.name]: gw, [v.b.name]: gb });
    tf.dispose([gw, gb]);
  }
  return v;
}

/** the largest difference, as a fraction of the largest weight */
const maxRelDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0) / b.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe("the optimizers' step in one pass", () => {
  it("moves the weights as TF.js's Adam does, to float32 rounding, gradients large and small", async () => {
    const p = problem(11);
    const ours = await train(new FusedAdam(0.01), p, [0, 40]);
    const theirs = await train(tf.train.adam(0.01), p, [0, 40]);
    for (const k of ['w', 'b'] as const) {
      const [a, b] = [await ours[k].data(), await theirs[k].data()];
      expect(maxRelDiff(a as Float32Array, b as Float32Array)).toBeLessThan(2e-5);
      // and they moved: a step that did nothing would agree too
      expect(maxRelDiff(a as Float32Array, p.start[k])).toBeGreaterThan(0.01);
    }
    tf.dispose([ours.w, ours.b, theirs.w, theirs.b]);
  });

  it("saves and resumes its state: stopped and resumed is the same as straight through; TF.js's saved state resumes with it", async () => {
    const p = problem(5);
    const straight = await train(new FusedAdam(0.01), p, [0, 20]);
    const first = new FusedAdam(0.01);
    const resumed = await train(first, p, [0, 8]);
    const saved = await first.getWeights();
    expect(saved.map((s) => s.name)).toEqual(['iter', `${resumed.w.name}/m`, `${resumed.b.name}/m`, `${resumed.w.name}/v`, `${resumed.b.name}/v`]);
    const second = new FusedAdam(0.01);
    await second.setWeights(saved);
    tf.dispose(saved.map((s) => s.tensor));
    await train(second, p, [8, 20], resumed);
    expect(Array.from(await resumed.w.data())).toEqual(Array.from(await straight.w.data()));
    expect(Array.from(await resumed.b.data())).toEqual(Array.from(await straight.b.data()));

    // a checkpoint an earlier version wrote with TF.js's Adam
    const tfAdam = tf.train.adam(0.01);
    const fromTf = await train(tfAdam, p, [0, 8]);
    const tfSaved = await tfAdam.getWeights();
    const taking = new FusedAdam(0.01);
    await taking.setWeights(tfSaved);
    await train(taking, p, [8, 20], fromTf);
    expect(maxRelDiff((await fromTf.w.data()) as Float32Array, (await straight.w.data()) as Float32Array)).toBeLessThan(2e-5);
    tf.dispose([straight.w, straight.b, resumed.w, resumed.b, fromTf.w, fromTf.b]);
    tfAdam.dispose();
  });

  it('momentum gives the weights TF.js gives, bit for bit, and resumes from either', async () => {
    const p = problem(9);
    const ours = await train(new FusedMomentum(0.05, 0.9), p, [0, 30]);
    const theirs = await train(tf.train.momentum(0.05, 0.9), p, [0, 30]);
    expect(Array.from(await ours.w.data())).toEqual(Array.from(await theirs.w.data()));
    expect(Array.from(await ours.b.data())).toEqual(Array.from(await theirs.b.data()));
    const tfMomentum = tf.train.momentum(0.05, 0.9);
    const half = await train(tfMomentum, p, [0, 12]);
    const saved = await tfMomentum.getWeights();
    const taking = new FusedMomentum(0.05, 0.9);
    await taking.setWeights(saved);
    await train(taking, p, [12, 30], half);
    expect(Array.from(await half.w.data())).toEqual(Array.from(await theirs.w.data()));
    expect((await taking.getWeights()).map((s) => s.name)).toEqual(['iter', `${half.w.name}/momentum`, `${half.b.name}/momentum`]);
    tf.dispose([ours.w, ours.b, theirs.w, theirs.b, half.w, half.b]);
    tfMomentum.dispose();
  });

  it('leaves no tensor behind a step, and is chosen where the backend reads synchronously', async () => {
    const p = problem(2);
    for (const [optimizer, kind] of [
      ['adam', FusedAdam],
      ['sgd', FusedMomentum],
    ] as const) {
      const opt = optimizerFor({ optimizer, learningRate: 0.01, momentum: 0.9 }, 0.1);
      expect(opt).toBeInstanceOf(kind);
      const v = await train(opt, p, [0, 1]);
      const before = tf.memory().numTensors;
      await train(opt, p, [1, 10], v);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([v.w, v.b]);
    }
  });
});
