import * as tf from '@tensorflow/tfjs-core';
import { readsSynchronously } from '../tf/backend';

/**
 * The training loss: mean softmax cross-entropy on the logits, with the batch's hits (images
 * whose largest logit is their label's).
 *
 * Through TF.js ops it is about twenty kernels forward and as many back (one-hot, max, exp, sum,
 * log, the hits' argMax, equal and sum, then the gradient's), and a head step on wasm pays some
 * 10 µs a kernel for a few hundred multiply-adds each: it was half of a batch-4 head step. On
 * the backends that read synchronously (wasm, tfjs-node, the CPU backend) the logits, a few
 * numbers an image, are read once and the loss, the hits and the gradient (softmax − one-hot,
 * over n) are computed in one pass; only on WebGPU, where a synchronous read throws, do the
 * ops run. Both give the same loss and gradient (test: within 1e-6).
 */
export interface BatchLoss {
  loss: tf.Scalar;
  /** the loss's value and the images whose largest logit is their label's, read once the gradients are taken */
  read(): Promise<{ loss: number; hits: number }>;
  /** frees what was kept for the read (the hits, on WebGPU) */
  dispose(): void;
}

/** loss, hits and the loss's gradient for logits [n, k] (row-major) and their labels, in float64 */
export function crossEntropyOf(logits: ArrayLike<number>, labels: readonly number[], k: number): { loss: number; hits: number; gradient: Float32Array } {
  const n = labels.length;
  const gradient = new Float32Array(n * k);
  let loss = 0;
  let hits = 0;
  for (let r = 0; r < n; r++) {
    const at = r * k;
    let max = -Infinity;
    let best = 0;
    for (let j = 0; j < k; j++) {
      const z = logits[at + j]!;
      if (z > max) {
        max = z;
        best = j;
      }
    }
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[at + j]! - max);
    const label = labels[r]!;
    if (best === label) hits++;
    loss += Math.log(sum) - (logits[at + label]! - max);
    for (let j = 0; j < k; j++) gradient[at + j] = (Math.exp(logits[at + j]! - max) / sum - (j === label ? 1 : 0)) / n;
  }
  return { loss: n ? loss / n : 0, hits, gradient };
}

/**
 * The batch's mean cross-entropy on `logits`, differentiable, and its hits. Called inside the
 * function whose gradients are taken (its tensors are that scope's); `hits` frees what it kept.
 */
export function batchLoss(logits: tf.Tensor2D, labels: readonly number[], classCount: number, fused = readsSynchronously()): BatchLoss {
  if (!fused) {
    const ys = tf.tensor1d(labels as number[], 'int32');
    const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(ys, classCount), logits) as tf.Scalar;
    const hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), ys), 'float32')));
    return {
      loss,
      // reads are asynchronous: on TF.js's WebGPU backend in Node a synchronous read throws
      read: async () => ({ loss: (await loss.data())[0]!, hits: (await hits.data())[0]! }),
      dispose: () => hits.dispose(),
    };
  }
  let found = { loss: 0, hits: 0 };
  // customGrad hands the input and the save function in one list
  const lossOf = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const { loss, hits, gradient } = crossEntropyOf((args[0] as tf.Tensor).dataSync(), labels, classCount);
    // the value the loss tensor holds
    found = { loss: Math.fround(loss), hits };
    return { value: tf.scalar(loss), gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.tensor2d(gradient, [labels.length, classCount])) };
  });
  const loss = lossOf(logits) as tf.Scalar;
  return { loss, read: () => Promise.resolve(found), dispose: () => undefined };
}
