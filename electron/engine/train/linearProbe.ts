import * as tf from '@tensorflow/tfjs-core';
import type { FeatureSource } from './trainHead';

/**
 * The reference a new head's defaults are measured against: a linear probe, i.e. softmax
 * regression on the cached bottleneck features trained to convergence (full batch, many
 * steps) with an L2 penalty whose strength is chosen by k-fold cross-validation on the
 * training images alone — the test images never choose anything. It is what a careful user
 * would reach with the same features and no hidden layer, so a default run that reaches it
 * has left nothing on the table that a linear head could have taken.
 */
export interface ProbeOptions {
  classCount: number;
  /** L2 strengths tried (penalty λ·‖W‖²/2 added to the mean cross-entropy) */
  l2Grid?: readonly number[];
  folds?: number;
  /** full-batch Adam steps of one fit */
  steps?: number;
  learningRate?: number;
}

export interface ProbeFit {
  l2: number;
  /** mean accuracy of each λ over the folds, in grid order */
  cvAccuracy: { l2: number; accuracy: number }[];
  /** training loss (cross-entropy + penalty) at the end of the final fit, and its last change */
  finalLoss: number;
  lastChange: number;
  /** Adam steps the final fit took to settle (or the cap) */
  stepsRun: number;
  weights: { w: Float32Array; b: Float32Array; featureDim: number };
}

const defaultGrid = [1e-3, 1e-2, 1e-1] as const;

function readAll(src: FeatureSource): { x: Float32Array; y: Int32Array } {
  const x = src.read(Array.from({ length: src.size }, (_, i) => i));
  return { x, y: Int32Array.from(src.labels) };
}

interface Fit {
  w: tf.Variable;
  b: tf.Variable;
  finalLoss: number;
  lastChange: number;
  stepsRun: number;
}

/** full-batch Adam until the loss stops moving (relative change under 1e-6 over 50 steps) or `steps` */
function fit(x: tf.Tensor2D, y: tf.Tensor1D, classCount: number, l2: number, steps: number, lr: number): Fit {
  const d = x.shape[1];
  const w = tf.variable(tf.zeros([d, classCount]));
  const b = tf.variable(tf.zeros([classCount]));
  const oneHot = tf.oneHot(y, classCount);
  const opt = tf.train.adam(lr);
  const lossOf = () => tf.add(tf.losses.softmaxCrossEntropy(oneHot, tf.add(tf.matMul(x, w), b)), tf.mul(l2 / 2, tf.sum(tf.square(w)))) as tf.Scalar;
  let prev = Number.POSITIVE_INFINITY;
  let finalLoss = Number.NaN;
  let lastChange = Number.NaN;
  let stepsRun = 0;
  while (stepsRun < steps) {
    const loss = opt.minimize(lossOf, true, [w, b])!;
    stepsRun++;
    if (stepsRun % 50 === 0 || stepsRun === steps) {
      finalLoss = loss.dataSync()[0]!;
      lastChange = prev - finalLoss;
      prev = finalLoss;
    }
    loss.dispose();
    if (Math.abs(lastChange) < 1e-6 * Math.abs(finalLoss)) break;
  }
  opt.dispose();
  oneHot.dispose();
  return { w, b, finalLoss, lastChange, stepsRun };
}

function accuracy(f: Fit, x: tf.Tensor2D, y: tf.Tensor1D): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(tf.add(tf.matMul(x, f.w), f.b), -1), y), 'float32')).dataSync()[0]!);
}

/** k folds of the training images, each class spread over every fold */
function foldsOf(labels: Int32Array, k: number): number[] {
  const fold = new Array<number>(labels.length);
  const seen = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const n = seen.get(labels[i]!) ?? 0;
    seen.set(labels[i]!, n + 1);
    fold[i] = n % k;
  }
  return fold;
}

/**
 * An orthonormal basis of the span of the rows (modified Gram–Schmidt, in doubles), as a d×r
 * matrix. With an L2 penalty the best weights lie in that span (W = Q·C, ‖W‖ = ‖C‖), so the
 * probe fits C on the n×r features X·Q: the same optimum, with r ≤ n features instead of d.
 */
function rowSpanBasis(x: Float32Array, n: number, d: number): tf.Tensor2D {
  const basis: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float64Array.from(x.subarray(i * d, (i + 1) * d));
    let norm0 = 0;
    for (let j = 0; j < d; j++) norm0 += v[j]! * v[j]!;
    for (const q of basis) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += q[j]! * v[j]!;
      for (let j = 0; j < d; j++) v[j] = v[j]! - dot * q[j]!;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += v[j]! * v[j]!;
    // a row (nearly) in the span of the earlier ones adds nothing
    if (norm <= 1e-10 * norm0 || norm === 0) continue;
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < d; j++) v[j] = v[j]! * inv;
    basis.push(v);
  }
  const out = new Float32Array(d * basis.length);
  basis.forEach((q, c) => {
    for (let j = 0; j < d; j++) out[j * basis.length + c] = q[j]!;
  });
  return tf.tensor2d(out, [d, basis.length]);
}

function subset(x: Float32Array, y: Int32Array, d: number, keep: (i: number) => boolean): [tf.Tensor2D, tf.Tensor1D] {
  const idx = Array.from({ length: y.length }, (_, i) => i).filter(keep);
  const xs = new Float32Array(idx.length * d);
  idx.forEach((i, r) => xs.set(x.subarray(i * d, (i + 1) * d), r * d));
  return [
    tf.tensor2d(xs, [idx.length, d]),
    tf.tensor1d(
      idx.map((i) => y[i]!),
      'int32',
    ),
  ];
}

export function fitLinearProbe(train: FeatureSource, o: ProbeOptions): ProbeFit {
  const grid = o.l2Grid ?? defaultGrid;
  const k = o.folds ?? 5;
  const steps = o.steps ?? 3000;
  const lr = o.learningRate ?? 0.01;
  const d = train.featureDim;
  const { x, y } = readAll(train);
  const fold = foldsOf(y, k);
  // each fold's basis is made of its own training rows only
  const folds = Array.from({ length: grid.length === 1 ? 0 : k }, (_, f) => {
    const [xt, yt] = subset(x, y, d, (i) => fold[i] !== f);
    const [xv, yv] = subset(x, y, d, (i) => fold[i] === f);
    const q = rowSpanBasis(xt.dataSync() as Float32Array, xt.shape[0], d);
    const out = { ft: tf.matMul(xt, q) as tf.Tensor2D, yt, fv: tf.matMul(xv, q) as tf.Tensor2D, yv };
    tf.dispose([xt, xv, q]);
    return out;
  });
  // one strength given: nothing to choose, no folds to fit
  const cvAccuracy =
    grid.length === 1
      ? [{ l2: grid[0]!, accuracy: Number.NaN }]
      : grid.map((l2) => {
          let hits = 0;
          for (const f of folds) {
            const m = fit(f.ft, f.yt, o.classCount, l2, steps, lr);
            hits += accuracy(m, f.fv, f.yv) * f.yv.shape[0];
            tf.dispose([m.w, m.b]);
          }
          return { l2, accuracy: hits / y.length };
        });
  for (const f of folds) tf.dispose([f.ft, f.yt, f.fv, f.yv]);
  // the strongest penalty among the best: the simpler model where the folds cannot tell them apart
  const top = Math.max(...cvAccuracy.map((c) => c.accuracy));
  const l2 = grid.length === 1 ? grid[0]! : [...cvAccuracy].reverse().find((c) => c.accuracy === top)!.l2;
  const [xa, ya] = subset(x, y, d, () => true);
  const q = rowSpanBasis(x, y.length, d);
  const fa = tf.matMul(xa, q) as tf.Tensor2D;
  const m = fit(fa, ya, o.classCount, l2, steps, lr);
  // back to weights on the features themselves: W = Q·C
  const w = tf.tidy(() => tf.matMul(q, m.w));
  const weights = { w: w.dataSync() as Float32Array, b: m.b.dataSync() as Float32Array, featureDim: d };
  tf.dispose([xa, ya, q, fa, w, m.w, m.b]);
  return { l2, cvAccuracy, finalLoss: m.finalLoss, lastChange: m.lastChange, stepsRun: m.stepsRun, weights };
}

/** the probe's accuracy on another split (the test images) */
export function probeAccuracy(p: ProbeFit, src: FeatureSource): number {
  if (!src.size) return Number.NaN;
  const { x, y } = readAll(src);
  const classCount = p.weights.b.length;
  return tf.tidy(() => {
    const logits = tf.add(
      tf.matMul(tf.tensor2d(x, [src.size, p.weights.featureDim]), tf.tensor2d(p.weights.w, [p.weights.featureDim, classCount])),
      tf.tensor1d(p.weights.b),
    );
    return tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), tf.tensor1d(y, 'int32')), 'float32')).dataSync()[0]!;
  });
}
