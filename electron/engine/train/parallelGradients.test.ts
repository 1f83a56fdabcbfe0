import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { workerEntry } from '../extract/workerEntry';
import { loadLayersBackbone } from '../models/loadBackbone';
import { ensureConvolutionGradients, initBackend } from '../tf/backend';
import { buildTop, chooseSplit } from './fineTune';
import type { GradientWorkerData } from './gradientProtocol';
import { shardGradients, type Batch, type ShardGradients } from './gradients';
import { buildHead } from './head';
import { fineTunedNet, type ClassifierNet } from './net';
import { ParallelGradients, shardBounds, shardWorkers } from './parallelGradients';

const modelDir = pretrainedModelDir('mobilenet_v2');
const head = { hiddenUnits: 0, dropout: 0.3 };
let backbone: tfl.LayersModel;
let net: ClassifierNet;
let variables: tf.Variable[];
let spec: Omit<GradientWorkerData, 'role' | 'shapes'>;
let x: Float32Array;
const labels = Array.from({ length: 24 }, (_, i) => i % 5);

beforeAll(async () => {
  await initBackend('wasm');
  await ensureConvolutionGradients();
  backbone = await loadLayersBackbone(modelDir);
  const point = chooseSplit(backbone, 'flatten_1', 4);
  net = fineTunedNet(buildTop(backbone, point.split, 'flatten_1'), 'avg', buildHead(1280, 5, head, 7), 0.01);
  variables = net
    .groups()
    .filter((g) => g.variables.length)
    .flatMap((g) => g.variables);
  // values the workers' nets were not built with: what they compute must come from what is sent
  tf.tidy(() => variables.forEach((v, i) => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.01, 'float32', i)))));
  spec = { modelDir, split: point.split, cut: 'flatten_1', pooling: 'avg', headInputDim: 1280, classCount: 5, head, seed: 7 };
  const [h, w, c] = (backbone.getLayer(point.split).outputShape as number[]).slice(1) as [number, number, number];
  x = tf.tidy(() => tf.relu(tf.randomNormal([labels.length, h * w * c], 0, 1, 'float32', 3)).dataSync() as Float32Array);
}, 60_000);

afterAll(() => {
  net.dispose();
  backbone.dispose();
});

/** the largest difference between two shards' gradients, relative to the largest gradient */
function gap(a: ShardGradients, b: ShardGradients): number {
  let worst = 0;
  a.grads.forEach((g, i) => {
    const [p, q] = [g!.dataSync() as Float32Array, b.grads[i]!.dataSync() as Float32Array];
    let scale = 1e-12;
    for (const v of p) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < p.length; j++) worst = Math.max(worst, Math.abs(p[j]! - q[j]!) / scale);
  });
  return worst;
}

/** the first `count` images as a batch with this dropout seed */
const batchOf = (dropoutSeed: string, count = labels.length): Batch => ({
  net,
  variables,
  x: x.subarray(0, (x.length / labels.length) * count),
  labels: labels.slice(0, count),
  classCount: 5,
  dropoutSeed,
});

const free = (s: ShardGradients) => tf.dispose(s.grads.filter((g): g is tf.Tensor => g !== null));

describe('fine-tuning a batch on several threads', () => {
  it('gives the gradients, loss and hits one thread gives (MobileNetV2, top 4 layers, dropout on, 3 shards)', async () => {
    const one = await shardGradients(batchOf('7:1:0'), { offset: 0, total: labels.length });
    const why: string[] = [];
    const par = ParallelGradients.start(await workerEntry(), spec, 2, (w) => why.push(w))!;
    try {
      // the first batch starts the workers and waits for them: every batch is shared the same way
      expect(par.threads).toBe(1);
      const three = await par.compute(batchOf('7:1:0'));
      expect(why).toEqual([]);
      expect(par.threads).toBe(3);
      expect(three.n).toBe(24);
      expect(three.hits).toBe(one.hits);
      expect(three.loss).toBeCloseTo(one.loss, 5);
      expect(gap(one, three)).toBeLessThan(1e-4);
      // shared the same way, the same batch gives the same numbers to the last bit
      const again = await par.compute(batchOf('7:1:0'));
      expect(gap(three, again)).toBe(0);
      expect(again.loss).toBe(three.loss);
      free(again);
      // a small last batch (6 images: no shard of 4) stays on this thread, to the same numbers
      const small = await par.compute(batchOf('7:1:9', 6));
      const smallHere = await shardGradients(batchOf('7:1:9', 6), { offset: 0, total: 6 });
      expect(gap(smallHere, small)).toBe(0);
      free(small);
      free(smallHere);
      // another batch's dropout mask differs: the workers take the seed, not a mask of their own
      const other = await par.compute(batchOf('7:1:1'));
      expect(gap(one, other)).toBeGreaterThan(1e-3);
      free(three);
      free(other);
    } finally {
      free(one);
      await par.dispose();
    }
  }, 120_000);

  it('goes on on this thread, and says why, when a worker cannot start', async () => {
    const one = await shardGradients(batchOf('7:2:0'), { offset: 0, total: labels.length });
    const why: string[] = [];
    // a net other than the run's: the worker refuses it
    const par = ParallelGradients.start(await workerEntry(), { ...spec, classCount: 6 }, 1, (w) => why.push(w))!;
    try {
      const alone = await par.compute(batchOf('7:2:0'));
      expect(why).toHaveLength(1);
      expect(why[0]).toMatch(/^a fine-tuning worker failed: a fine-tuning worker could not start: the worker's net has other variables/);
      expect(par.threads).toBe(1);
      expect(gap(one, alone)).toBe(0);
      expect(alone.loss).toBe(one.loss);
      free(alone);
    } finally {
      free(one);
      await par.dispose();
    }
  }, 120_000);
});

describe('how a batch is shared', () => {
  it('cuts a batch into shards as even as can be', () => {
    expect(shardBounds(24, 3)).toEqual([
      [0, 8],
      [8, 16],
      [16, 24],
    ]);
    expect(shardBounds(10, 3)).toEqual([
      [0, 4],
      [4, 7],
      [7, 10],
    ]);
  });

  it('starts a worker per core but one, at most 3, as many as the free memory holds, only for shards of 8 images or more and 16 batches or more', () => {
    expect(shardWorkers({ batchSize: 32, steps: 100, cores: 2 })).toBe(1);
    expect(shardWorkers({ batchSize: 32, steps: 100, cores: 16 })).toBe(3);
    expect(shardWorkers({ batchSize: 16, steps: 100, cores: 16 })).toBe(1);
    expect(shardWorkers({ batchSize: 8, steps: 100, cores: 16 })).toBe(0);
    expect(shardWorkers({ batchSize: 32, steps: 15, cores: 16 })).toBe(0);
    expect(shardWorkers({ batchSize: 32, steps: 100, cores: 16, spareBytes: 2.5e9, workerBytes: 1e9 })).toBe(2);
    expect(shardWorkers({ batchSize: 32, steps: 100, cores: 16, spareBytes: -1e9, workerBytes: 1e9 })).toBe(0);
    expect(shardWorkers({ batchSize: 32, steps: 100, cores: 1 })).toBe(0);
  });
});
