import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { ensureConvolutionGradients, initBackend } from '../tf/backend';
import { fileSystemLoader } from '../tf/fsModelIO';
import { buildTop, chooseSplit, splitPoints, trainableParams } from './fineTune';

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
