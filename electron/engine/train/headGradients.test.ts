import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../tf/backend';
import { shardGradients, type Batch } from './gradients';
import { buildHead } from './head';
import { headNet } from './net';
import { seededRandom } from './rng';

beforeAll(async () => {
  await initBackend('wasm');
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe("a head's gradients without the tape", () => {
  const heads = [
    { name: 'linear', head: { hiddenUnits: 0, dropout: 0 } },
    { name: 'hidden ReLU layer', head: { hiddenUnits: 16, dropout: 0 } },
    { name: 'hidden ReLU layer and dropout', head: { hiddenUnits: 16, dropout: 0.3 } },
    { name: 'dropout on the features', head: { hiddenUnits: 0, dropout: 0.5 } },
  ];
  for (const { name, head: cfg } of heads)
    it(`are the tape's: every variable's gradient, the loss and the hits (${name})`, async () => {
      const r = seededRandom(11);
      const dim = 20;
      const classCount = 4;
      const net = headNet(buildHead(dim, classCount, cfg, 5));
      const labels = [0, 3, 1, 2, 2, 0];
      const batch: Batch = {
        net,
        variables: net.groups()[0]!.variables,
        x: Float32Array.from({ length: labels.length * dim }, () => r() * 3 - 0.5),
        labels,
        classCount,
        dropoutSeed: 'b7',
      };
      // a shard of a larger batch: the dropout mask's rows from its place in it
      const rows = { offset: 2, total: 10 };
      const before = tf.memory().numTensors;
      const ours = await shardGradients(batch, rows, true);
      expect(tf.memory().numTensors - before).toBe(ours.grads.length);
      const tape = await shardGradients(batch, rows, false);
      expect(ours.grads).toHaveLength(cfg.hiddenUnits ? 4 : 2);
      for (const [i, g] of ours.grads.entries()) {
        expect(g!.shape).toEqual(tape.grads[i]!.shape);
        const want = await tape.grads[i]!.data();
        expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(1e-4);
        expect(maxDiff(await g!.data(), want)).toBeLessThan(1e-6);
      }
      expect(Math.abs(ours.loss - tape.loss)).toBeLessThan(1e-6);
      expect(ours.hits).toBe(tape.hits);
      tf.dispose([...ours.grads, ...tape.grads].filter((g): g is tf.Tensor => g !== null));
      net.dispose();
    });
});
