import * as tf from '@tensorflow/tfjs-core';

export interface PrincipalPlane {
  /** each row's two coordinates, interleaved: x0, y0, x1, y1, … */
  coords: Float32Array;
  /** the share of the rows' variance along each of the two axes */
  explained: [number, number];
  /** what places another row in the same plane (planeCoords): the rows' mean and the two axes, each `dim` long */
  basis: { mean: Float32Array; axes: [Float32Array, Float32Array] };
}

/** where a row of the same `dim` numbers lands in the plane: its difference from the mean along each axis */
export function planeCoords(basis: PrincipalPlane['basis'], row: ArrayLike<number>): [number, number] {
  const { mean, axes } = basis;
  let x = 0;
  let y = 0;
  for (let i = 0; i < mean.length; i++) {
    const d = row[i]! - mean[i]!;
    x += d * axes[0][i]!;
    y += d * axes[1][i]!;
  }
  return [x, y];
}

const maxIterations = 200;
const tolerance = 1e-5;

/**
 * The first two principal components of `n` rows of `dim` numbers, by subspace iteration on
 * TF.js's kernels: a few matrix products a step, never the `dim × dim` covariance. (ml-pca's
 * NIPALS took 43 s and druidjs's PCA 5.3 s on 1000 MobileNetV2 features here; this takes a
 * fraction of a second.) Each axis points the way its coordinates are skewed, so the same
 * features draw the same picture every time.
 */
export async function principalPlane(rows: Float32Array, n: number, dim: number): Promise<PrincipalPlane> {
  if (n < 2)
    return { coords: new Float32Array(n * 2), explained: [0, 0], basis: { mean: new Float32Array(dim), axes: [new Float32Array(dim), new Float32Array(dim)] } };
  // the two directions drawn: with Gram–Schmidt and no Rayleigh–Ritz step, more columns would not speed the second
  const k = Math.min(2, n, dim);
  const centre = tf.tidy(() => tf.mean(tf.tensor2d(rows, [n, dim]), 0));
  const mean = (await centre.data()) as Float32Array;
  const x = tf.tidy(() => tf.sub(tf.tensor2d(rows, [n, dim]), centre) as tf.Tensor2D);
  centre.dispose();
  const total = await scalarOf(tf.tidy(() => tf.div(tf.sum(tf.square(x)), n)));
  let q = tf.tidy(() => orthonormal(tf.randomNormal([dim, k], 0, 1, 'float32', 7)));
  let before: number[] = [];
  try {
    for (let i = 0; i < maxIterations; i++) {
      const next = tf.tidy(() => orthonormal(tf.matMul(x, tf.matMul(x, q), true, false)));
      q.dispose();
      q = next;
      if (i % 10 !== 9) continue;
      const now = await variances(x, q, n);
      const settled = before.length && now.slice(0, 2).every((v, j) => Math.abs(v - before[j]!) <= tolerance * Math.max(total, 1e-12));
      before = now;
      if (settled) break;
    }
    const two = tf.tidy(() => tf.matMul(x, tf.slice(q, [0, 0], [dim, 2])));
    const coords = (await two.data()) as Float32Array;
    two.dispose();
    // q is [dim, 2]: column j is axis j
    const columns = (await q.data()) as Float32Array;
    const axes: [Float32Array, Float32Array] = [new Float32Array(dim), new Float32Array(dim)];
    for (let i = 0; i < dim; i++) for (const j of [0, 1]) axes[j]![i] = columns[i * 2 + j]!;
    for (const axis of [0, 1]) {
      let skew = 0;
      for (let r = 0; r < n; r++) skew += coords[r * 2 + axis]! ** 3;
      if (skew < 0) {
        for (let r = 0; r < n; r++) coords[r * 2 + axis] = -coords[r * 2 + axis]!;
        for (let i = 0; i < dim; i++) axes[axis]![i] = -axes[axis]![i]!;
      }
    }
    const along = (axis: number) => {
      let s = 0;
      for (let r = 0; r < n; r++) s += coords[r * 2 + axis]! ** 2;
      return total > 0 ? s / n / total : 0;
    };
    return { coords, explained: [along(0), along(1)], basis: { mean, axes } };
  } finally {
    x.dispose();
    q.dispose();
  }
}

/** the columns of `m`, orthonormal, in order (Gram–Schmidt keeps the first column's direction) */
function orthonormal(m: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(tf.linalg.gramSchmidt(tf.transpose(m) as tf.Tensor2D) as tf.Tensor2D);
}

/** the variance of the rows along each column of `q` */
async function variances(x: tf.Tensor2D, q: tf.Tensor2D, n: number): Promise<number[]> {
  const v = tf.tidy(() => tf.div(tf.sum(tf.square(tf.matMul(x, q)), 0), n));
  const out = Array.from(await v.data());
  v.dispose();
  return out;
}

async function scalarOf(t: tf.Tensor): Promise<number> {
  const [v] = await t.data();
  t.dispose();
  return v ?? 0;
}
