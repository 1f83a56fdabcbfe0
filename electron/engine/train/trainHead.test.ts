import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTrainConfig, type TrainConfig } from '../../../shared/run';
import { initBackend } from '../tf/backend';
import { buildHead, dropoutMask, headLogits } from './head';
import { headNet } from './net';
import { seededRandom } from './rng';
import { evaluateSource, trainHead, type FeatureSource, type TrainState } from './trainHead';

beforeAll(async () => {
  await initBackend('wasm');
});

/** three Gaussian blobs in 16 dimensions: a head should separate them almost perfectly */
function blobs(n: number, seed: number, dim = 16, classes = 3): FeatureSource & { data: Float32Array; reads: number } {
  const r = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  const data = new Float32Array(n * dim);
  labels.forEach((c, i) => {
    for (let d = 0; d < dim; d++) data[i * dim + d] = (d % classes === c ? 3 : 0) + gauss() * 0.7;
  });
  const src = {
    size: n,
    featureDim: dim,
    labels,
    data,
    reads: 0,
    read(indices: readonly number[]) {
      src.reads++;
      const out = new Float32Array(indices.length * dim);
      indices.forEach((i, k) => out.set(data.subarray(i * dim, (i + 1) * dim), k * dim));
      return out;
    },
  };
  return src;
}

const cfg = (over: Partial<TrainConfig> = {}): TrainConfig => ({ ...defaultTrainConfig, epochs: 15, batchSize: 16, patience: 0, ...over });

describe('training a new head on bottleneck features', () => {
  it('learns separable classes and reports every epoch', async () => {
    const epochs: number[] = [];
    const r = await trainHead({
      classCount: 3,
      config: cfg({ learningRate: 0.01 }),
      train: blobs(300, 1),
      val: blobs(60, 2),
      onEpoch: (m) => epochs.push(m.epoch),
    });
    expect(epochs).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    const last = r.epochs.at(-1)!;
    expect(last.valAccuracy).toBeGreaterThan(0.95);
    expect(last.loss).toBeLessThan(r.epochs[0]!.loss);
    expect((await evaluateSource(r.net, blobs(90, 3), 3)).accuracy).toBeGreaterThan(0.95);
    r.net.dispose();
  });

  it('does not grow the tensor count across epochs', async () => {
    const counts: number[] = [];
    const r = await trainHead({
      classCount: 3,
      config: cfg({ epochs: 8, head: { hiddenUnits: 32, dropout: 0.3 } }),
      train: blobs(200, 4),
      val: blobs(40, 5),
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    // the first epoch creates the optimizer's slots and the kept best weights; after that, flat
    expect(new Set(counts.slice(1)).size).toBe(1);
    r.net.dispose();
  });

  it('reads features batch by batch, never the whole set at once', async () => {
    const train = blobs(200, 6);
    const r = await trainHead({ classCount: 3, config: cfg({ epochs: 2, batchSize: 50 }), train, val: null });
    expect(train.reads).toBe(2 * 4);
    r.net.dispose();
  });

  it('gives the same result for the same seed, and another for another seed', async () => {
    const run = async (seed: number) => {
      const r = await trainHead({ classCount: 3, config: cfg({ epochs: 3, seed }), train: blobs(120, 7), val: null });
      const w = r.net.getWeights()[0]!.dataSync().slice(0, 8);
      r.net.dispose();
      return { w: Array.from(w), loss: r.epochs.at(-1)!.loss };
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(b).toEqual(a);
    expect(c.w).not.toEqual(a.w);
  });

  it('stops early when the validation loss stops improving and keeps the best epoch', async () => {
    // tiny training set, long run, big learning rate: validation loss turns up quickly
    const r = await trainHead({
      classCount: 3,
      config: cfg({ epochs: 200, patience: 3, learningRate: 0.05, batchSize: 4, head: { hiddenUnits: 64, dropout: 0 } }),
      train: blobs(12, 8),
      val: blobs(60, 9),
    });
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochs.length).toBeLessThan(200);
    const best = r.epochs[r.bestEpoch - 1]!;
    expect(Math.min(...r.epochs.map((e) => e.valLoss!))).toBe(best.valLoss);
    expect(r.epochs.length - r.bestEpoch).toBe(3);
    // the restored weights are the best epoch's: their validation loss is the best one
    expect((await evaluateSource(r.net, blobs(60, 9), 3)).loss).toBeCloseTo(best.valLoss!, 4);
    r.net.dispose();
  });

  it('draws a new dropout mask for every batch', async () => {
    // one image, batch 1, a learning rate too small to move the weights: an epoch's loss
    // differs from the last only if dropout dropped other units
    const { epochs } = await trainHead({
      classCount: 3,
      config: cfg({ epochs: 8, batchSize: 1, learningRate: 1e-9, head: { hiddenUnits: 16, dropout: 0.5 } }),
      train: blobs(1, 3),
      val: null,
    });
    expect(new Set(epochs.map((e) => e.loss.toFixed(4))).size).toBeGreaterThan(4);
  });

  it("a batch's dropout mask depends on its seed alone, and without a seed nothing is dropped", () => {
    const head = buildHead(16, 3, { hiddenUnits: 32, dropout: 0.5 }, 1);
    const x = tf.tensor2d(blobs(4, 2).data, [4, 16]);
    const read = (seed?: string) => tf.tidy(() => Array.from(headLogits(head, x, seed).dataSync()));
    expect(read('1:1:0')).toEqual(read('1:1:0'));
    expect(read('1:1:0')).not.toEqual(read('1:1:1'));
    expect(read()).toEqual(read());
    expect(read()).not.toEqual(read('1:1:0'));
    tf.dispose(x);
    head.dispose();
  });

  it('a dropout mask drops the rate of the values and scales the rest so the mean stays 1; a seed a character apart draws another', () => {
    const read = (rate: number, seed: string) => tf.tidy(() => Array.from(dropoutMask([100, 100], rate, seed).dataSync()));
    for (const rate of [0.1, 0.3, 0.5, 0.9]) {
      const m = read(rate, `42:3:${rate}/head_dropout`);
      const dropped = m.filter((v) => v === 0).length / m.length;
      expect(Math.abs(dropped - rate)).toBeLessThan(0.02);
      expect(new Set(m.filter((v) => v !== 0).map((v) => v.toFixed(5)))).toEqual(new Set([(1 / (1 - rate)).toFixed(5)]));
      expect(Math.abs(m.reduce((a, b) => a + b, 0) / m.length - 1)).toBeLessThan(0.05);
    }
    const a = read(0.5, '42:3:0/head_dropout');
    expect(read(0.5, '42:3:0/head_dropout')).toEqual(a);
    const b = read(0.5, '42:3:1/head_dropout');
    // independent masks agree on about half the positions at rate 0.5
    const same = a.filter((v, i) => v === b[i]).length / a.length;
    expect(same).toBeGreaterThan(0.45);
    expect(same).toBeLessThan(0.55);
  });

  it('predicts what the saved layers model predicts', () => {
    // training runs the head on plain ops; what is saved and exported is the layers model
    const head = buildHead(16, 3, { hiddenUnits: 32, dropout: 0.3 }, 5);
    const x = tf.tensor2d(blobs(6, 4).data, [6, 16]);
    const ours = tf.tidy(() => Array.from(headNet(head).predict(x).dataSync()));
    const layers = tf.tidy(() => Array.from((head.predict(x) as tf.Tensor).dataSync()));
    ours.forEach((p, i) => expect(p).toBeCloseTo(layers[i]!, 6));
    tf.dispose(x);
    head.dispose();
  });

  it('trains with SGD and momentum', async () => {
    const r = await trainHead({ classCount: 3, config: cfg({ optimizer: 'sgd', learningRate: 0.05 }), train: blobs(300, 10), val: blobs(60, 11) });
    expect(r.epochs.at(-1)!.valAccuracy).toBeGreaterThan(0.9);
    r.net.dispose();
  });

  it('refuses a learning rate or batch size that makes no sense, with a clear message', async () => {
    await expect(trainHead({ classCount: 3, config: cfg({ learningRate: 0 }), train: blobs(10, 1), val: null })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/learning rate/),
    });
    await expect(trainHead({ classCount: 3, config: cfg({ batchSize: 0 }), train: blobs(10, 1), val: null })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    // the engine's last guard is the settings' schema: what the forms refuse, it refuses with the same words
    await expect(trainHead({ classCount: 3, config: cfg({ learningRate: 11 }), train: blobs(10, 1), val: null })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: 'The learning rate must be a number above 0 and at most 10.',
    });
    await expect(trainHead({ classCount: 3, config: cfg({ head: { hiddenUnits: -1, dropout: 0 } }), train: blobs(10, 1), val: null })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: 'Hidden units must be a whole number from 0 to 65536.',
    });
    await expect(trainHead({ classCount: 3, config: cfg(), train: blobs(0, 1), val: null })).rejects.toMatchObject({ code: 'DATASET_INVALID' });
  });

  it('can be stopped between batches', async () => {
    const ac = new AbortController();
    const r = await trainHead({
      classCount: 3,
      config: cfg({ epochs: 50 }),
      train: blobs(100, 12),
      val: null,
      onEpoch: (m) => m.epoch === 2 && ac.abort(),
      signal: ac.signal,
    });
    expect(r.cancelled).toBe(true);
    expect(r.epochs.length).toBe(2);
    r.net.dispose();
  });

  it('a stop inside an epoch hands over the state at the stop, and a resume from it ends where an unstopped run ends', async () => {
    const config = cfg({ epochs: 6, batchSize: 8, head: { hiddenUnits: 16, dropout: 0.3 } });
    const train = blobs(60, 21);
    const val = blobs(30, 22);
    const whole = await trainHead({ classCount: 3, config, train, val });
    const ac = new AbortController();
    let atStop: TrainState | null = null;
    const stopped = await trainHead({
      classCount: 3,
      config,
      train,
      val,
      signal: ac.signal,
      onBatch: (p) => p.epoch === 3 && p.batch === 4 && ac.abort(),
      onCheckpoint: async (_epoch, state, stop) => {
        if (stop) atStop = await state();
      },
    });
    expect(stopped.cancelled).toBe(true);
    stopped.net.dispose();
    // two epochs finished, and four batches of the third
    expect(atStop).toMatchObject({ partial: { epoch: 3, batches: 4 } });
    expect(atStop!.epochs).toHaveLength(2);
    const resumed = await trainHead({ classCount: 3, config, train, val, resume: atStop! });
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    resumed.epochs.forEach((e, i) => {
      expect(e.loss).toBeCloseTo(whole.epochs[i]!.loss, 5);
      expect(e.valLoss!).toBeCloseTo(whole.epochs[i]!.valLoss!, 5);
    });
    whole.net.dispose();
    resumed.net.dispose();
  });
});

describe('a training that fails part way', () => {
  it('frees its head, its optimizers, the best weights and the batch it was on', async () => {
    const before = tf.memory().numTensors;
    const src = blobs(64, 7);
    const read = src.read.bind(src);
    // the cache goes bad in the second epoch, after the first epoch's best weights were kept
    src.read = (idx, epoch) => {
      if (epoch === 2) throw new Error('the cache went away');
      return read(idx);
    };
    await expect(
      trainHead({ classCount: 3, config: cfg({ optimizer: 'adam', head: { hiddenUnits: 8, dropout: 0.2 } }), train: src, val: null }),
    ).rejects.toThrow('the cache went away');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees them when a checkpoint cannot be written', async () => {
    const before = tf.memory().numTensors;
    const onCheckpoint = async (epoch: number, state: () => Promise<TrainState>) => {
      await state();
      if (epoch === 2) throw new Error('disk full');
    };
    await expect(trainHead({ classCount: 3, config: cfg(), train: blobs(64, 8), val: blobs(30, 9), onCheckpoint })).rejects.toThrow('disk full');
    expect(tf.memory().numTensors).toBe(before);
  });
});
