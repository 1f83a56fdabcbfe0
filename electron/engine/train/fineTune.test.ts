import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { ensureConvolutionGradients, initBackend } from '../tf/backend';
import { fileSystemLoader } from '../tf/fsModelIO';
import { buildTop, chooseSplit, splitPoints, trainableParams, wasmHeapRefusal } from './fineTune';

let mobilenet: tfl.LayersModel;

beforeAll(async () => {
  await initBackend('wasm');
  await ensureConvolutionGradients();
  mobilenet = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('mobilenet_v2')));
});

describe('where a network can be split for fine-tuning', () => {
  it('MobileNetV2: after a residual Add or a block that changes width, never inside a residual block', () => {
    const splits = splitPoints(mobilenet, 'flatten_1').map((p) => p.split);
    expect(splits).toContain('block_16_project_BN');
    expect(splits).toContain('block_15_add');
    // inside block 15 the skip connection from block_14_add crosses
    expect(splits).not.toContain('block_15_expand_relu');
    expect(splits).not.toContain('block_15_project_BN');
  });

  it('"fine-tune N" takes the highest split that trains at least N layers with weights, BatchNorm not counted', () => {
    expect(chooseSplit(mobilenet, 'flatten_1', 1)).toEqual({ split: 'block_16_project_BN', trainable: ['Conv_1'] });
    // block 16 widens 160 → 320 channels, so it has no skip connection and splits inside
    expect(chooseSplit(mobilenet, 'flatten_1', 2)).toEqual({ split: 'block_16_depthwise_relu', trainable: ['block_16_project', 'Conv_1'] });
    expect(chooseSplit(mobilenet, 'flatten_1', 4)).toEqual({
      split: 'block_15_add',
      trainable: ['block_16_expand', 'block_16_depthwise', 'block_16_project', 'Conv_1'],
    });
    // block 15's three layers cannot be split from its skip connection: 5 takes all of block 15
    expect(chooseSplit(mobilenet, 'flatten_1', 5).split).toBe('block_14_add');
  });

  it("builds the top on a new input shaped like the split, sharing the backbone's layers, BatchNorm frozen", () => {
    const top = buildTop(mobilenet, 'block_15_add', 'out_relu');
    expect(top.inputs[0]!.shape).toEqual([null, 7, 7, 160]);
    expect(top.outputs[0]!.shape).toEqual([null, 7, 7, 1280]);
    expect(top.getLayer('block_16_expand')).toBe(mobilenet.getLayer('block_16_expand'));
    const trainable = top.trainableWeights.map((w) => w.originalName);
    expect(trainable.some((n) => n.includes('block_16_expand/kernel'))).toBe(true);
    expect(trainable.some((n) => n.includes('_BN/'))).toBe(false);
    // block_16: 160·960 + 9·960 + 960·320 weights; Conv_1: 320·1280
    expect(trainableParams(top)).toBe(160 * 960 + 9 * 960 + 960 * 320 + 320 * 1280);
  });

  it('a top whose BatchNorm has no scale (Inception v3 has none) still passes a gradient, and computes what it did', () => {
    const input = tfl.input({ shape: [4, 4, 3] });
    const conv = tfl.layers.conv2d({ filters: 5, kernelSize: 1, name: 'c1' }).apply(input) as tfl.SymbolicTensor;
    const bn = tfl.layers.batchNormalization({ scale: false, name: 'c1_bn' });
    const out = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'c2' }).apply(bn.apply(conv) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const net = tfl.model({ inputs: input, outputs: out });
    // moving statistics that are not the identity, so a wrong normalisation shows
    bn.setWeights([tf.fill([5], 0.3), tf.fill([5], -0.2), tf.fill([5], 2.5)]);
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 9);
    const before = (net.predict(x) as tf.Tensor).dataSync();
    const top = buildTop(net, 'c1', 'c2');
    const features = conv.sourceLayer.apply(x) as tf.Tensor;
    const g = tf.grad((f: tf.Tensor) => tf.sum(top.apply(f, { training: false }) as tf.Tensor))(features);
    expect(g.shape).toEqual([2, 4, 4, 5]);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    const after = (net.predict(x) as tf.Tensor).dataSync();
    after.forEach((v, i) => expect(v).toBeCloseTo(before[i]!, 5));
    expect(bn.getWeights()).toHaveLength(3);
  });
});

describe("a ReLU6's gradient in the fine-tuned top", () => {
  it('is what TF.js computed, at 0 and at 6 too, without the comparison kernels wasm runs as plain loops', async () => {
    const features = tfl.input({ shape: [2, 3, 2] });
    const relu = tfl.layers.reLU({ maxValue: 6, name: 'r6' });
    const c2 = tfl.layers.conv2d({ filters: 3, kernelSize: 1, name: 'c2', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) });
    const out = c2.apply(relu.apply(features) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    // the split is the features' own input layer: the ReLU and c2 are the top
    const net = tfl.model({ inputs: features, outputs: out });
    // values below 0, at 0, between, at 6 and above
    const f = tf.tensor4d([-1, 0, 0.5, 6, 7, 3, -0.25, 5.999, 6.001, 1e-7, 12, 2], [1, 2, 3, 2]);
    const weights = tf.tensor4d(
      Array.from({ length: 18 }, (_, i) => (i % 7) - 3),
      [1, 2, 3, 3],
    );
    const loss = (m: tfl.LayersModel) => (x: tf.Tensor) => tf.sum(tf.mul(m.apply(x, { training: false }) as tf.Tensor, weights));
    const before = { value: Array.from((net.predict(f) as tf.Tensor).dataSync()), grad: Array.from(tf.grad(loss(net))(f).dataSync()) };
    const top = buildTop(net, net.layers[0]!.name, 'c2');
    expect(Array.from((top.predict(f) as tf.Tensor).dataSync())).toEqual(before.value);
    const grad = tf.grad(loss(top))(f);
    expect(Array.from(grad.dataSync())).toEqual(before.grad);
    // through 0 < x ≤ 6 only: at -1, 0, 6.001, 7 and 12 nothing passes
    const passed = Array.from(grad.dataSync()).map((v) => v !== 0);
    expect(passed).toEqual([false, false, true, true, false, true, false, true, false, true, false, true]);
    const profile = await tf.profile(() => tf.grad(loss(top))(f));
    expect(profile.kernels.map((k) => k.name)).not.toContain('LogicalAnd');
    expect(profile.kernels.map((k) => k.name)).toContain('Step');
  });
});

describe('a fine-tuning batch that does not fit', () => {
  const MiB = 2 ** 20;
  const footprint = { fixed: 100 * MiB, perImage: 10 * MiB };
  const roomy = { heldBytes: 100 * MiB, heapBytes: 200 * MiB, availableBytes: 20 * 2 ** 30 };

  it("is refused at the wasm heap's 4 GiB, with the largest batch that fits", () => {
    expect(wasmHeapRefusal(footprint, 32, roomy, 4)).toBeNull();
    const e = wasmHeapRefusal(footprint, 500, roomy, 4)!;
    expect(e.code).toBe('OUT_OF_MEMORY');
    expect(e.message).toBe(
      'Fine-tuning 4 layers at a batch of 500 needs about 5.0 GiB; with the 0.1 GiB the network already holds, that is more than the 4 GiB the wasm backend can address.',
    );
    // (4096 - 100 held - 100 fixed) / 10 a image
    expect(e.hint).toMatch(/^Use a batch of 389 or less/);
    expect(wasmHeapRefusal(footprint, 389, roomy, 4)).toBeNull();
    expect(wasmHeapRefusal(footprint, 390, roomy, 4)).not.toBeNull();
  });

  it('is refused at the memory the machine has free, counting the heap it has already', () => {
    const small = { heldBytes: 100 * MiB, heapBytes: 200 * MiB, availableBytes: 1024 * MiB };
    const e = wasmHeapRefusal(footprint, 200, small, 9)!;
    expect(e.message).toMatch(/needs about 2\.1 GiB; that is more than the 1\.1 GiB of memory this machine has free now\.$/);
    // (1024 free + 100 of heap unused - 100 fixed) / 10
    expect(e.hint).toMatch(/^Use a batch of 102 or less/);
    const none = wasmHeapRefusal(footprint, 1, { heldBytes: 100 * MiB, heapBytes: 100 * MiB, availableBytes: 50 * MiB }, 9)!;
    expect(none.hint).toBe('Fine-tune fewer layers, or close other programs: even a batch of 1 does not fit.');
  });
});
