import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { HeadConfig } from '../../../shared/run';
import { fnv1a } from '../../../shared/sampling';
import { crossEntropyOf } from './loss';

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
  return tf.tidy(() => forward(headSteps(head), x, dropoutSeed, rows));
}

/** what a forward pass kept for the backward: what each step took and gave, and each dropout's mask */
interface Seen {
  inputs: tf.Tensor2D[];
  outputs: tf.Tensor2D[];
  masks: tf.Tensor2D[];
}

/**
 * The head's steps on `x`: a Dense layer as one fused kernel (product, bias and ReLU), a dropout
 * (with a seed) as its mask's product. `seen` keeps what the backward of headGradients needs.
 */
function forward(steps: HeadStep[], x: tf.Tensor2D, dropoutSeed?: string, rows?: BatchRows, seen?: Seen): tf.Tensor2D {
  let y: tf.Tensor2D = x;
  steps.forEach((s, i) => {
    seen?.inputs.push(y);
    if (s.kind === 'dense')
      y = tf.fused.matMul({
        a: y,
        b: s.kernel.read() as tf.Tensor2D,
        ...(s.bias ? { bias: s.bias.read() } : {}),
        activation: s.relu ? 'relu' : 'linear',
      }) as tf.Tensor2D;
    else if (dropoutSeed !== undefined) {
      const mask = dropoutMask(y.shape, s.rate, `${dropoutSeed}/${s.name}`, rows);
      if (seen) seen.masks[i] = mask;
      y = tf.mul(y, mask);
    }
    seen?.outputs.push(y);
  });
  return y;
}

/**
 * A head's gradients without the tape, where the backend reads synchronously: the forward pass
 * keeps what the backward needs (each Dense layer's input, a ReLU's output, a dropout's mask),
 * the loss and its gradient come from the logits in one pass (loss.ts), and the backward is the
 * Dense layers' own rule, written out: dW = inputᵀ·dy, db = Σ dy over the batch, dy·Wᵀ to the
 * layer below, a ReLU passes dy where its output was positive, a dropout multiplies by its mask.
 * The tape recorded each op, sorted them and ran their gradients one kernel at a time, 440 µs of
 * a 1 ms batch-4 step on wasm; this is four kernels for a linear head there (the product, the
 * weight gradient as a transpose and a product, the bias sum). The same numbers as the tape's
 * (test: every variable's gradient, the loss and the hits, with hidden layer and dropout).
 *
 * Returns each trained variable's gradient by its name, the batch's mean loss and its hits.
 */
export function headGradients(
  head: tfl.LayersModel,
  x: tf.Tensor2D,
  labels: readonly number[],
  classCount: number,
  dropoutSeed: string,
  rows?: BatchRows,
): { grads: Map<string, tf.Tensor>; loss: number; hits: number } {
  const steps = headSteps(head);
  let found = { loss: 0, hits: 0 };
  const grads = new Map<string, tf.Tensor>();
  tf.tidy(() => {
    const seen: Seen = { inputs: [], outputs: [], masks: [] };
    const { inputs, outputs, masks } = seen;
    const y = forward(steps, x, dropoutSeed, rows, seen);
    const { loss, hits, gradient } = crossEntropyOf(y.dataSync(), labels, classCount);
    found = { loss: Math.fround(loss), hits };
    // backward, from the logits' gradient down to the first Dense layer (a dropout below it has nothing to train)
    const firstDense = steps.findIndex((s) => s.kind === 'dense');
    let dy: tf.Tensor2D = tf.tensor2d(gradient, [labels.length, classCount]);
    for (let i = steps.length - 1; i >= firstDense; i--) {
      const s = steps[i]!;
      if (s.kind === 'dropout') {
        dy = tf.mul(dy, masks[i]!);
        continue;
      }
      if (s.relu) dy = tf.mul(dy, tf.step(outputs[i]!));
      grads.set((s.kernel.read() as tf.Variable).name, tf.keep(tf.matMul(inputs[i]!, dy, true, false)));
      if (s.bias) grads.set((s.bias.read() as tf.Variable).name, tf.keep(tf.sum(dy, 0)));
      if (i > firstDense) dy = tf.matMul(dy, s.kernel.read() as tf.Tensor2D, false, true);
    }
  });
  return { grads, ...found };
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
