import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { registerWasmConvGradients } from './wasmGradients';

/**
 * The gradient kernels added to the wasm backend against TF.js's own CPU backend, which has
 * them all: same inputs, same gradients, for the shapes fine-tuning meets (1×1 and 3×3,
 * stride 1 and 2, 'same' and 'valid', odd sizes, explicit padding).
 */
beforeAll(async () => {
  await initBackend('wasm');
  registerWasmConvGradients();
});

type Case = {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
  depthwise: boolean;
};
const cases: Case[] = [
  { name: '1×1 conv', x: [2, 7, 7, 6], f: [1, 1, 6, 5], strides: 1, pad: 'same', depthwise: false },
  { name: '1×1 conv, stride 2', x: [2, 7, 7, 6], f: [1, 1, 6, 5], strides: 2, pad: 'same', depthwise: false },
  { name: '3×3 conv, stride 1, same', x: [2, 8, 8, 4], f: [3, 3, 4, 5], strides: 1, pad: 'same', depthwise: false },
  { name: '1×3 conv, stride 1, same', x: [2, 8, 8, 3], f: [1, 3, 3, 4], strides: 1, pad: 'same', depthwise: false },
  { name: '3×1 conv, stride 1, same', x: [2, 8, 8, 3], f: [3, 1, 3, 4], strides: 1, pad: 'same', depthwise: false },
  { name: '3×3 conv, stride 2, valid, odd size', x: [1, 9, 10, 3], f: [3, 3, 3, 2], strides: 2, pad: 'valid', depthwise: false },
  { name: '3×3 conv, stride 2, same, odd size', x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same', depthwise: false },
  {
    name: '3×3 conv, valid, explicit padding',
    x: [1, 8, 8, 2],
    f: [3, 3, 2, 3],
    strides: 1,
    pad: [
      [0, 0],
      [0, 1],
      [1, 0],
      [0, 0],
    ],
    depthwise: false,
  },
  { name: '3×3 depthwise, stride 1, same', x: [2, 7, 7, 5], f: [3, 3, 5, 1], strides: 1, pad: 'same', depthwise: true },
  { name: '3×3 depthwise, stride 2, same, odd size', x: [2, 9, 8, 4], f: [3, 3, 4, 1], strides: 2, pad: 'same', depthwise: true },
  { name: '5×5 depthwise, stride 2, valid', x: [1, 11, 11, 3], f: [5, 5, 3, 1], strides: 2, pad: 'valid', depthwise: true },
];

async function gradientsOn(backend: 'wasm' | 'cpu', c: Case): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal(c.f, 0, 1, 'float32', 2) as tf.Tensor4D;
    const loss = (xx: tf.Tensor, ff: tf.Tensor) => {
      const y = c.depthwise
        ? tf.depthwiseConv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad)
        : tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad);
      // a non-uniform upstream gradient, so a misplaced tap shows
      return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
    };
    return tf
      .grads(loss)([x, f])
      .map((g) => g.dataSync() as Float32Array);
  });
}

/** the same tensors computed on the CPU backend and on wasm agree to 5 decimals */
async function expectSameOnBothBackends(compute: () => tf.Tensor[]): Promise<void> {
  const on = async (backend: 'wasm' | 'cpu') => {
    await tf.setBackend(backend);
    return tf.tidy(() => compute().map((t) => Array.from(t.dataSync())));
  };
  const cpu = await on('cpu');
  const wasm = await on('wasm');
  wasm.forEach((w, i) => {
    expect(w.length).toBe(cpu[i]!.length);
    w.forEach((v, k) => expect(v).toBeCloseTo(cpu[i]![k]!, 5));
  });
}

describe('convolution gradients on wasm', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const cpu = await gradientsOn('cpu', c);
      const wasm = await gradientsOn('wasm', c);
      for (const [k, label] of [
        [0, 'dx'],
        [1, 'dW'],
      ] as const) {
        expect(wasm[k]!.length, label).toBe(cpu[k]!.length);
        const scale = Math.max(...cpu[k]!.map(Math.abs));
        const diff = Math.max(...cpu[k]!.map((v, i) => Math.abs(v - wasm[k]![i]!)));
        expect(diff / scale, label).toBeLessThan(1e-4);
      }
    });
  }

  it('matrix products with a transposed operand, and tiles, give what the CPU backend gives', async () => {
    await expectSameOnBothBackends(() => {
      const a = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 3);
      const b = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 4);
      const c = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 5);
      const row = tf.randomNormal([1, 1, 3], 0, 1, 'float32', 6);
      return [
        tf.matMul(a, b, true, false), // [2, 3, 4]
        tf.matMul(a, c, false, true), // [2, 5, 4]
        tf.matMul(c, b, true, true), // cᵀ [2,3,4] · bᵀ [2,4,5] = [2, 3, 5]
        tf.tile(row, [4, 2, 1]), // broadcasts
        tf.tile(a, [1, 2, 3]), // repeats: wasm's own
      ];
    });
  });

  it('average pool gradients, over the whole input and over windows, give what the CPU backend gives', async () => {
    await expectSameOnBothBackends(() => {
      const x = tf.randomNormal([2, 7, 5, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      const weigh = (y: tf.Tensor) => tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(1, y.size + 1), y.shape))));
      return [
        tf.grad((t: tf.Tensor) => weigh(tf.avgPool(t as tf.Tensor4D, [7, 5], 1, 'valid')))(x), // global: the fast path
        tf.grad((t: tf.Tensor) => weigh(tf.avgPool(t as tf.Tensor4D, 3, 2, 'same')))(x), // windows: wasm's own
      ];
    });
  });

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    await gradientsOn('wasm', cases[4]!);
    expect(tf.memory().numTensors).toBe(before);
  });
});
