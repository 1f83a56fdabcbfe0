import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../tf/backend';
import { planeCoords, principalPlane } from './principalPlane';

beforeAll(async () => {
  await initBackend('wasm');
});

/** a seeded generator, so a failure repeats */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
function correlation(a: readonly number[], b: readonly number[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((x, i) => {
    ab += x * b[i]!;
    aa += x * x;
    bb += b[i]! ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}

/** the answer worked out the slow, sure way: the covariance in float64, power iteration with deflation */
function exactPlane(rows: Float32Array, n: number, dim: number): { axes: number[][]; explained: number[] } {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += rows[i * dim + j]! / n;
  const c = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < dim; p++) {
      const xp = rows[i * dim + p]! - mean[p]!;
      for (let q = 0; q < dim; q++) c[p * dim + q]! += (xp * (rows[i * dim + q]! - mean[q]!)) / n;
    }
  let trace = 0;
  for (let p = 0; p < dim; p++) trace += c[p * dim + p]!;
  const vectors: Float64Array[] = [];
  const values: number[] = [];
  for (let k = 0; k < 2; k++) {
    let v = new Float64Array(dim).map((_, j) => Math.sin(j + k + 1));
    let value = 0;
    for (let it = 0; it < 3000; it++) {
      const w = new Float64Array(dim);
      for (let p = 0; p < dim; p++) for (let q = 0; q < dim; q++) w[p]! += c[p * dim + q]! * v[q]!;
      for (const u of vectors) {
        const d = w.reduce((s, x, j) => s + x * u[j]!, 0);
        for (let j = 0; j < dim; j++) w[j]! -= d * u[j]!;
      }
      value = Math.hypot(...w);
      v = w.map((x) => x / value);
    }
    vectors.push(v);
    values.push(value / trace);
  }
  const axes = vectors.map((v) =>
    Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j < dim; j++) s += (rows[i * dim + j]! - mean[j]!) * v[j]!;
      return s;
    }),
  );
  return { axes, explained: values };
}

describe('the two directions along which features vary most', () => {
  it('gives the first two principal components: the same coordinates and variance shares as the exact answer', async () => {
    const r = random(3);
    const n = 400;
    const dim = 64;
    // two hidden factors of variance 9 and 4 along two orthogonal directions, and noise
    const rows = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const a = 3 * gauss(r);
      const b = 2 * gauss(r);
      for (let j = 0; j < dim; j++) rows[i * dim + j] = 5 + (j < 16 ? 0.25 * a : 0) + (j >= 16 && j < 32 ? 0.25 * b : 0) + 0.1 * gauss(r);
    }
    const exact = exactPlane(rows, n, dim);
    const before = tf.memory().numTensors;
    const { coords, explained } = await principalPlane(rows, n, dim);
    expect(tf.memory().numTensors).toBe(before);
    for (const axis of [0, 1]) {
      const got = Array.from({ length: n }, (_, i) => coords[i * 2 + axis]!);
      // an axis may point either way; its line is what must agree
      expect(Math.abs(correlation(got, exact.axes[axis]!))).toBeGreaterThan(0.99999);
      expect(explained[axis]).toBeCloseTo(exact.explained[axis]!, 4);
    }
    expect(explained[0]).toBeGreaterThan(0.6);
    // the same rows draw the same picture
    const again = await principalPlane(rows, n, dim);
    expect(Array.from(again.coords)).toEqual(Array.from(coords));
    // and its basis places each row where the picture has it: what puts a camera's frame on the map
    const { basis } = again;
    for (const i of [0, 1, 137, n - 1]) {
      const [x, y] = planeCoords(basis, rows.subarray(i * dim, (i + 1) * dim));
      expect(x).toBeCloseTo(coords[i * 2]!, 3);
      expect(y).toBeCloseTo(coords[i * 2 + 1]!, 3);
    }
  });

  it('puts a lone image at the origin, and maps 1000 features of 1280 numbers with no clear structure to finite points', async () => {
    expect(Array.from((await principalPlane(new Float32Array(8).fill(1), 1, 8)).coords)).toEqual([0, 0]);
    const r = random(9);
    const n = 1000;
    const dim = 1280;
    const rows = new Float32Array(n * dim);
    for (let i = 0; i < rows.length; i++) rows[i] = Math.max(0, gauss(r) + ((i % dim) % 10 === Math.floor(i / dim) % 10 ? 1.5 : 0));
    const { coords, explained } = await principalPlane(rows, n, dim);
    expect(coords.every(Number.isFinite)).toBe(true);
    expect(explained[0]).toBeGreaterThanOrEqual(explained[1]);
  });
});
