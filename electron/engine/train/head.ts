import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { HeadConfig } from '../../../shared/run';
import { fnv1a } from '../../../shared/sampling';

/**
 * The new classifier on the bottleneck: optional hidden Dense + dropout, then softmax over
 * the user's classes. Initialisers are seeded, so the same seed gives the same run.
 */
export function buildHead(featureDim: number, classCount: number, cfg: HeadConfig, seed: number): tfl.Sequential {
  const head = tfl.sequential({ name: 'head' });
  let inputShape: number[] | undefined = [featureDim];
  if (cfg.hiddenUnits > 0) {
    head.add(
      tfl.layers.dense({ units: cfg.hiddenUnits, activation: 'relu', inputShape, name: 'head_hidden', kernelInitializer: tfl.initializers.heNormal({ seed }) }),
    );
    inputShape = undefined;
  }
  if (cfg.dropout > 0) {
    head.add(tfl.layers.dropout({ rate: cfg.dropout, seed: seed + 1, name: 'head_dropout', ...(inputShape ? { inputShape } : {}) }));
    inputShape = undefined;
  }
  head.add(
    tfl.layers.dense({
      units: classCount,
      activation: 'softmax',
      name: 'head_output',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }),
      ...(inputShape ? { inputShape } : {}),
    }),
  );
  return head;
}

/**
 * The head's forward pass up to its logits (the last layer's softmax left out), on plain ops
 * over the layers' own variables. Training takes its loss on the logits (loss.ts): a batch-4
 * gradient cost 483 µs there against 1076 µs through the layers' apply and a clipped log of the
 * probabilities (TF.js wasm, 1280 features), before the loss ran fused.
 *
 * `dropoutSeed` turns dropout on with that seed. The layer's own seed would give every batch
 * the same mask (TF.js seeds its generator anew on each call), so the caller seeds each batch.
 * `rows`: these images are rows `offset…` of a batch of `total` (a shard of it trained on another
 * thread), and take those rows of the batch's mask.
 */
export function headLogits(head: tfl.LayersModel, x: tf.Tensor2D, dropoutSeed?: string, rows?: BatchRows): tf.Tensor2D {
  const steps = headSteps(head);
  return tf.tidy(() => {
    let y: tf.Tensor2D = x;
    for (const s of steps) {
      if (s.kind === 'dense') {
        y = tf.matMul(y, s.kernel.read() as tf.Tensor2D);
        if (s.bias) y = tf.add(y, s.bias.read());
        if (s.relu) y = tf.relu(y);
      } else if (dropoutSeed !== undefined) y = tf.mul(y, dropoutMask(y.shape, s.rate, `${dropoutSeed}/${s.name}`, rows));
    }
    return y;
  });
}

type HeadStep =
  { kind: 'dense'; kernel: tfl.LayerVariable; bias: tfl.LayerVariable | undefined; relu: boolean } | { kind: 'dropout'; rate: number; name: string };

const stepsOf = new WeakMap<tfl.LayersModel, HeadStep[]>();

/**
 * A head's layers read once: their configs are built anew on every call (a fifth of a batch-4
 * step's forward pass on wasm), and neither the layers nor their variables change after the
 * head is built (weights are assigned into the same variables).
 */
function headSteps(head: tfl.LayersModel): HeadStep[] {
  let steps = stepsOf.get(head);
  if (steps) return steps;
  steps = head.layers.map((layer, i): HeadStep => {
    const kind = layer.getClassName();
    const cfg = layer.getConfig();
    if (kind === 'Dense') {
      const activation = cfg.activation ?? 'linear';
      if (!(activation === 'relu' || activation === 'linear' || (activation === 'softmax' && i === head.layers.length - 1)))
        throw new Error(`The head's layer ${layer.name} has a ${String(activation)} activation this engine does not train.`);
      const [kernel, bias] = layer.weights;
      return { kind: 'dense', kernel: kernel!, bias, relu: activation === 'relu' };
    }
    if (kind === 'Dropout') return { kind: 'dropout', rate: cfg.rate as number, name: layer.name };
    throw new Error(`The head has a ${kind} layer (${layer.name}) this engine does not train.`);
  });
  stepsOf.set(head, steps);
  return steps;
}

/** a shard's place in its batch: rows `offset` to `offset + n` of `total` */
export interface BatchRows {
  offset: number;
  total: number;
}

/**
 * Inverted dropout's multiplier for one batch: each value kept with probability 1 − rate and
 * scaled by 1 / (1 − rate), else 0 — what `tf.dropout` multiplies by, drawn from the seed alone.
 * `tf.dropout` draws each number through seedrandom and then needs four ops on the batch: 465 µs
 * for a batch of 32 × 1280 on wasm, a third of a head step. Here one xorshift pass in
 * JavaScript (its state started by the seed's hash, mixed) and one multiplication.
 */
export function dropoutMask(shape: readonly [number, number], rate: number, seed: string, rows: BatchRows = { offset: 0, total: shape[0] }): tf.Tensor2D {
  const keep = 1 - rate;
  const scale = 1 / keep;
  const threshold = keep * 4294967296;
  // murmur3's finaliser, so that seeds a character apart start far apart; xorshift needs a state other than 0
  let s = fnv1a(seed);
  s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
  s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
  s = (s ^ (s >>> 16)) | 0 || 1;
  // the draws of the rows before this shard's are made and dropped, so each row gets what it would in the whole batch
  const skip = rows.offset * shape[1];
  const mask = new Float32Array(shape[0] * shape[1]);
  for (let i = -skip; i < mask.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    if (i >= 0 && s >>> 0 < threshold) mask[i] = scale;
  }
  return tf.tensor2d(mask, [shape[0], shape[1]]);
}
