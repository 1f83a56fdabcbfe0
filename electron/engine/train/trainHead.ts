import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { TransferLabError } from '../../../shared/errors';
import type { EpochMetrics, TrainConfig } from '../../../shared/run';
import { readTrainConfig } from '../../../shared/trainConfig';
import { onThisThread, type BatchGradients } from './gradients';
import { optimizerFor } from './fusedOptimizers';
import { crossEntropyOf } from './loss';
import { buildHead } from './head';
import { headNet, type ClassifierNet } from './net';
import { seededRandom, shuffleInPlace } from './rng';

/** Where the training loop gets features: by index, one batch at a time, never all at once. */
export interface FeatureSource {
  readonly size: number;
  readonly featureDim: number;
  labels: readonly number[];
  /** the features of these items; `epoch` (training only) lets a source vary them, as augmentation does */
  read(indices: readonly number[], epoch?: number): Float32Array;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  samplesPerSecond: number;
  etaSeconds: number | null;
}

export interface TrainOptions {
  classCount: number;
  config: TrainConfig;
  train: FeatureSource;
  val: FeatureSource | null;
  onEpoch?: (m: EpochMetrics) => void;
  onBatch?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** go on from a checkpoint's state instead of from the first epoch */
  resume?: TrainState;
  /**
   * after each finished epoch: `state()` gives what a resume needs (the caller decides when to
   * write it); and once more at a stop (`stopped`), with how far into its epoch training got
   */
  onCheckpoint?: (epoch: number, state: () => Promise<TrainState>, stopped?: boolean) => Promise<void>;
  /** what trains around the new head (default: the head alone on the features) */
  net?: { headInputDim: number; wrap: (head: tfl.Sequential) => ClassifierNet };
  /** where each batch's gradients are computed (default: on this thread) */
  gradients?: BatchGradients;
}

/** Everything needed to go on training after the last finished epoch, as plain data. */
export interface TrainState {
  epochs: EpochMetrics[];
  weights: SavedTensor[];
  /** each optimizer's state (Adam's moments, SGD's momentum), in group order */
  optimizers: SavedTensor[][];
  best: { loss: number; epoch: number; weights: SavedTensor[] | null };
  sinceBest: number;
  /** a stop inside an epoch: its batches done, and their loss and hits so far */
  partial?: { epoch: number; batches: number; lossSum: number; correct: number };
}

export interface SavedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

// reads are asynchronous: on TF.js's WebGPU backend in Node a synchronous read throws
const save = async (name: string, t: tf.Tensor): Promise<SavedTensor> => ({ name, shape: [...t.shape], data: Float32Array.from(await t.data()) });
const load = (s: SavedTensor) => tf.tensor(s.data, s.shape, 'float32');

export interface TrainResult {
  net: ClassifierNet;
  epochs: EpochMetrics[];
  bestEpoch: number;
  stoppedEarly: boolean;
  cancelled: boolean;
}

/** loss and accuracy of the net over a whole source, batch by batch */
export async function evaluateSource(
  net: ClassifierNet | tfl.Sequential,
  src: FeatureSource,
  classCount: number,
  batchSize = 256,
): Promise<{ loss: number; accuracy: number }> {
  const model = 'predict' in net && 'groups' in net ? net : headNet(net);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < src.size; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, src.size - start) }, (_, i) => start + i);
    const x = src.read(idx);
    const logits = tf.tidy(() => model.logits(tf.tensor2d(x, [idx.length, src.featureDim])));
    // reads are asynchronous: on TF.js's WebGPU backend in Node a synchronous read throws
    const z = await logits.data().finally(() => logits.dispose());
    const { loss: l, hits: c } = crossEntropyOf(
      z,
      idx.map((i) => src.labels[i]!),
      classCount,
    );
    lossSum += l * idx.length;
    correct += c;
  }
  return { loss: src.size ? lossSum / src.size : 0, accuracy: src.size ? correct / src.size : 0 };
}

type Groups = ReturnType<ClassifierNet['groups']>;

/**
 * one mini-batch: the forward pass, the gradients, each group's optimizer step; its tensors are
 * freed even when a step throws. `dropoutSeed` gives the batch its own dropout mask.
 */
async function trainStep(
  net: ClassifierNet,
  groups: Groups,
  optimizers: tf.Optimizer[],
  src: FeatureSource,
  idx: number[],
  epoch: number,
  classCount: number,
  dropoutSeed: string,
  gradients: BatchGradients,
): Promise<{ loss: number; hits: number }> {
  const variables = groups.flatMap((g) => g.variables);
  const labels = idx.map((i) => src.labels[i]!);
  const step = await gradients.compute({ net, variables, x: src.read(idx, epoch), labels, classCount, dropoutSeed });
  try {
    let at = 0;
    groups.forEach((g, i) => {
      const mine: tf.NamedTensorMap = {};
      for (const v of g.variables) {
        const grad = step.grads[at++];
        if (grad) mine[v.name] = grad;
      }
      optimizers[i]!.applyGradients(mine);
    });
  } finally {
    tf.dispose(step.grads.filter((g): g is tf.Tensor => g !== null));
  }
  return { loss: step.loss, hits: step.hits };
}

/**
 * Trains a new head with mini-batches read from the cache. Early stopping watches the
 * validation loss; the best epoch's weights are restored at the end, so what is saved is
 * the model that generalised best, not the last one.
 */
export async function trainHead(opts: TrainOptions): Promise<TrainResult> {
  const { train, classCount } = opts;
  // every setting by its rule in shared/trainConfig.ts, before anything is built
  const config = readTrainConfig(opts.config);
  if (train.size === 0)
    throw new TransferLabError('DATASET_INVALID', 'There are no training images.', 'Add images, or lower the validation and test fractions.');
  const head = buildHead(opts.net?.headInputDim ?? train.featureDim, classCount, config.head, config.seed);
  try {
    return await trainNet((opts.net?.wrap ?? headNet)(head), opts, config);
  } catch (e) {
    // the head is this function's own; what the caller's `wrap` put around it (a fine-tuned top) stays the caller's
    head.dispose();
    throw e;
  }
}

/** the training loop itself: the caller frees the net if this throws */
async function trainNet(net: ClassifierNet, opts: TrainOptions, config: TrainConfig): Promise<TrainResult> {
  const { train, val, classCount } = opts;
  // one optimizer a group: fine-tuned layers learn at a fraction of the head's rate
  const groups = net.groups().filter((g) => g.variables.length);
  const optimizers = groups.map((g) => optimizerFor(config, g.learningRateFactor));
  const order = Array.from({ length: train.size }, (_, i) => i);
  const batches = Math.ceil(train.size / config.batchSize);
  const epochs: EpochMetrics[] = [...(opts.resume?.epochs ?? [])];
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: null as tf.Tensor[] | null };
  let sinceBest = 0;
  // a stop inside an epoch goes on from the batch after it: each epoch's order and each
  // batch's dropout mask depend on the seed, the epoch and the batch alone
  let partial = opts.resume?.partial ?? null;
  const state = async (): Promise<TrainState> => ({
    ...(partial ? { partial: { ...partial } } : {}),
    epochs: [...epochs],
    weights: await Promise.all(net.getWeights().map((w, i) => save(String(i), w))),
    optimizers: await Promise.all(
      optimizers.map(async (o) => {
        const named = await o.getWeights();
        const saved = await Promise.all(named.map((nt) => save(nt.name, nt.tensor)));
        // the iteration count comes as a new tensor; the moments are the optimizer's own variables
        tf.dispose(named.map((nt) => nt.tensor).filter((x) => !(x instanceof tf.Variable)));
        return saved;
      }),
    ),
    best: { loss: best.loss, epoch: best.epoch, weights: best.weights ? await Promise.all(best.weights.map((w, i) => save(String(i), w))) : null },
    sinceBest,
  });
  let stoppedEarly = false;
  let cancelled = false;
  const t0 = performance.now();
  let samplesSeen = 0;
  try {
    if (opts.resume) {
      const r = opts.resume;
      tf.tidy(() => net.setWeights(r.weights.map(load)));
      for (const [i, o] of optimizers.entries()) {
        if (!r.optimizers[i]?.length) continue;
        const named = r.optimizers[i]!.map((s) => ({ name: s.name, tensor: load(s) }));
        // the optimizer makes its own variables of these
        await o.setWeights(named);
        tf.dispose(named.map((n) => n.tensor));
      }
      best = { loss: r.best.loss, epoch: r.best.epoch, weights: r.best.weights ? r.best.weights.map(load) : null };
      sinceBest = r.sinceBest;
    }
    for (let epoch = epochs.length + 1; epoch <= config.epochs; epoch++) {
      const te = performance.now();
      // each epoch's order depends on the seed and the epoch alone, so a resumed run goes on
      // with the order it would have had
      order.sort((a, b) => a - b);
      shuffleInPlace(order, seededRandom(config.seed * 7919 + epoch));
      const resumed = partial?.epoch === epoch ? partial : null;
      let lossSum = resumed?.lossSum ?? 0;
      let correct = resumed?.correct ?? 0;
      partial = null;
      for (let b = resumed?.batches ?? 0; b < batches; b++) {
        if (opts.signal?.aborted) {
          cancelled = true;
          // the state at the stop, so a resume loses nothing: the batches of this epoch done so far too
          if (b > 0) partial = { epoch, batches: b, lossSum, correct };
          await opts.onCheckpoint?.(epochs.length, state, true);
          break;
        }
        const idx = order.slice(b * config.batchSize, (b + 1) * config.batchSize);
        const step = await trainStep(net, groups, optimizers, train, idx, epoch, classCount, `${config.seed}:${epoch}:${b}`, opts.gradients ?? onThisThread);
        lossSum += step.loss * idx.length;
        correct += step.hits;
        samplesSeen += idx.length;
        const elapsed = (performance.now() - t0) / 1000;
        const sps = samplesSeen / Math.max(elapsed, 1e-3);
        const remaining = (config.epochs - epoch) * train.size + (train.size - (b + 1) * config.batchSize);
        opts.onBatch?.({ epoch, epochs: config.epochs, batch: b + 1, batches, samplesPerSecond: sps, etaSeconds: Math.max(0, remaining) / sps });
      }
      if (cancelled) break;
      const v = val && val.size ? await evaluateSource(net, val, classCount) : null;
      const seconds = (performance.now() - te) / 1000;
      const m: EpochMetrics = {
        epoch,
        loss: lossSum / train.size,
        accuracy: correct / train.size,
        valLoss: v ? v.loss : null,
        valAccuracy: v ? v.accuracy : null,
        seconds,
        samplesPerSecond: train.size / Math.max(seconds, 1e-6),
      };
      epochs.push(m);
      opts.onEpoch?.(m);
      const watched = m.valLoss ?? m.loss;
      if (Number.isFinite(watched) && watched < best.loss) {
        tf.dispose(best.weights ?? []);
        best = { loss: watched, epoch, weights: net.getWeights().map((w) => tf.clone(w)) };
        sinceBest = 0;
      } else if (config.patience > 0 && ++sinceBest >= config.patience) {
        stoppedEarly = epoch < config.epochs;
        break;
      }
      await opts.onCheckpoint?.(epoch, state);
      // let progress events and a stop request through between epochs
      await new Promise((r) => setImmediate(r));
    }
    if (best.weights) net.setWeights(best.weights);
  } finally {
    tf.dispose(best.weights ?? []);
    for (const o of optimizers) o.dispose();
  }
  return { net, epochs, bestEpoch: best.epoch || epochs.length, stoppedEarly, cancelled };
}
