import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../tf/backend';
import { fileSystemLoader } from '../tf/fsModelIO';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { graphStats, optimizeFrozenGraph, UnsupportedLayerError } from './frozenGraph';
import { frozenGraphFromLayers } from './fromLayers';
import { FusedExecutor } from './fusedExecutor';

beforeAll(async () => {
  await initBackend('wasm');
});

/** BatchNorm with non-trivial statistics, or folding bugs would hide behind identity maps */
function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    l.setWeights(
      l
        .getWeights()
        .map((w, i) =>
          tf.tidy(() => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, 'float32', seed + i) : tf.randomNormal(w.shape, 0, 0.5, 'float32', seed + i))),
        ),
    );
  }
}

function maxRelativeDiff(model: tfl.LayersModel, cut: string, inputShape: number[]): { diff: number; fusedOps: Record<string, number> } {
  const g = optimizeFrozenGraph(frozenGraphFromLayers(model, cut));
  const ex = new FusedExecutor(g);
  const cutModel = tfl.model({ inputs: model.inputs, outputs: model.getLayer(cut).output as tfl.SymbolicTensor });
  try {
    const diff = tf.tidy(() => {
      const x = tf.randomUniform([2, ...inputShape] as [number, number, number, number], -1, 1, 'float32', 3) as tf.Tensor4D;
      const a = cutModel.predict(x) as tf.Tensor;
      const b = ex.run(x);
      expect(b.shape).toEqual(a.shape);
      return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / Math.max(1e-6, tf.max(tf.abs(a)).dataSync()[0]!);
    });
    return { diff, fusedOps: graphStats(g).ops };
  } finally {
    ex.dispose();
  }
}

describe('frozen graph: each layer type matches TF.js layers', () => {
  const input = () => tfl.input({ shape: [12, 12, 3] });

  it('Conv2D + BatchNorm + ReLU6 folds into one fused convolution', () => {
    const x = input();
    let y = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'c' }).apply(x) as tfl.SymbolicTensor;
    y = tfl.layers.batchNormalization({ name: 'bn' }).apply(y) as tfl.SymbolicTensor;
    y = tfl.layers.reLU({ maxValue: 6, name: 'r6' }).apply(y) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: x, outputs: y });
    randomizeBatchNorms(m, 1);
    const { diff, fusedOps } = maxRelativeDiff(m, 'r6', [12, 12, 3]);
    expect(diff).toBeLessThan(1e-4);
    expect(fusedOps).toEqual({ input: 1, conv2d: 1 });
  });

  it('ZeroPadding2D + DepthwiseConv2D (valid) + BatchNorm without scale + relu', () => {
    const x = input();
    let y = tfl.layers
      .zeroPadding2d({
        padding: [
          [0, 1],
          [0, 1],
        ],
        name: 'pad',
      })
      .apply(x) as tfl.SymbolicTensor;
    y = tfl.layers
      .depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', depthMultiplier: 2, useBias: false, name: 'dw' })
      .apply(y) as tfl.SymbolicTensor;
    y = tfl.layers.batchNormalization({ scale: false, name: 'bn' }).apply(y) as tfl.SymbolicTensor;
    y = tfl.layers.activation({ activation: 'relu', name: 'act' }).apply(y) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: x, outputs: y });
    randomizeBatchNorms(m, 2);
    const { diff, fusedOps } = maxRelativeDiff(m, 'act', [12, 12, 3]);
    expect(diff).toBeLessThan(1e-4);
    expect(fusedOps).toEqual({ input: 1, depthwise: 1 });
  });

  it('residual Add, Concatenate, Multiply and the poolings', () => {
    const x = input();
    const a = tfl.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', name: 'a' }).apply(x) as tfl.SymbolicTensor;
    const b = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'sigmoid', name: 'b' }).apply(x) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'sum' }).apply([a, b]) as tfl.SymbolicTensor;
    const prod = tfl.layers.multiply({ name: 'prod' }).apply([a, b]) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate({ name: 'cat' }).apply([sum, prod]) as tfl.SymbolicTensor;
    const mp = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'mp' }).apply(cat) as tfl.SymbolicTensor;
    const ap = tfl.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'ap' }).apply(mp) as tfl.SymbolicTensor;
    const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(ap) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: x, outputs: gap });
    expect(maxRelativeDiff(m, 'gap', [12, 12, 3]).diff).toBeLessThan(1e-5);
  });

  it('Flatten, Dropout (identity at inference), Dense with tanh and global max pooling', () => {
    const x = input();
    const gmp = tfl.layers.globalMaxPooling2d({ name: 'gmp' }).apply(x) as tfl.SymbolicTensor;
    const c = tfl.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'elu', name: 'c' }).apply(x) as tfl.SymbolicTensor;
    const f = tfl.layers.flatten({ name: 'f' }).apply(c) as tfl.SymbolicTensor;
    const d = tfl.layers.dropout({ rate: 0.5, name: 'drop' }).apply(f) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate({ name: 'cat' }).apply([d, gmp]) as tfl.SymbolicTensor;
    const dense = tfl.layers.dense({ units: 5, activation: 'tanh', name: 'dense' }).apply(cat) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: x, outputs: dense });
    expect(maxRelativeDiff(m, 'dense', [12, 12, 3]).diff).toBeLessThan(1e-5);
  });

  it('SeparableConv2D with swish, hard sigmoid, a squeeze-and-excitation Reshape, Dense over channels, Softmax, Maximum / Minimum / Average', () => {
    const x = input();
    const r = tfl.layers.rescaling({ scale: 0.5, offset: 0.25 }).apply(x) as tfl.SymbolicTensor;
    const c = tfl.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'swish', name: 'sep' }).apply(r) as tfl.SymbolicTensor;
    let se = tfl.layers.globalAveragePooling2d({}).apply(c) as tfl.SymbolicTensor;
    se = tfl.layers.reshape({ targetShape: [1, 1, 8] }).apply(se) as tfl.SymbolicTensor;
    se = tfl.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'hardSigmoid' }).apply(se) as tfl.SymbolicTensor;
    const excited = tfl.layers.multiply().apply([c, se]) as tfl.SymbolicTensor;
    const dense = tfl.layers.dense({ units: 8, activation: 'softplus' }).apply(excited) as tfl.SymbolicTensor;
    const soft = tfl.layers.softmax({ axis: -1 }).apply(dense) as tfl.SymbolicTensor;
    const mx = tfl.layers.maximum().apply([excited, soft]) as tfl.SymbolicTensor;
    const mn = tfl.layers.minimum().apply([excited, soft]) as tfl.SymbolicTensor;
    const avg = tfl.layers.average({ name: 'avg' }).apply([mx, mn, dense]) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: x, outputs: avg });
    const { diff, fusedOps } = maxRelativeDiff(m, 'avg', [12, 12, 3]);
    expect(diff).toBeLessThan(1e-5);
    // the separable convolution is a depthwise and a pointwise one
    expect(fusedOps.depthwise).toBe(1);
  });

  it('an unsupported layer is named, so the caller can fall back to TF.js', () => {
    const x = input();
    const y = tfl.layers.conv2d({ filters: 2, kernelSize: 3, name: 'c' }).apply(x) as tfl.SymbolicTensor;
    const z = tfl.layers.upSampling2d({ size: [2, 2], name: 'up' }).apply(y) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: x, outputs: z });
    expect(() => frozenGraphFromLayers(m, 'up')).toThrow(UnsupportedLayerError);
    expect(() => frozenGraphFromLayers(m, 'up')).toThrow(/layer up \(UpSampling2D\)/);
    // cutting below it needs no unsupported layer
    expect(() => frozenGraphFromLayers(m, 'c')).not.toThrow();
  });
});

describe('frozen graph: real pre-trained networks', () => {
  it('MobileNetV2 up to its pooled features: 157 layers become 65 fused ops, same features', async () => {
    const m = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('mobilenet_v2')));
    const before = graphStats(frozenGraphFromLayers(m, 'flatten_1'));
    const { diff, fusedOps } = maxRelativeDiff(m, 'flatten_1', [224, 224, 3]);
    expect(before.ops.scaleShift).toBe(52);
    expect(fusedOps.scaleShift ?? 0).toBe(0);
    expect(fusedOps.activation ?? 0).toBe(0);
    expect(fusedOps.pad ?? 0).toBe(0);
    expect(diff).toBeLessThan(1e-4);
    m.dispose();
  });

  it('Inception v3 up to its pooled features: every BatchNorm folded, same features', async () => {
    const m = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('inception_v3')));
    const { diff, fusedOps } = maxRelativeDiff(m, 'flatten_1', [299, 299, 3]);
    expect(fusedOps.scaleShift ?? 0).toBe(0);
    expect(fusedOps.concat).toBeGreaterThan(10);
    expect(diff).toBeLessThan(1e-4);
    m.dispose();
  });
});
