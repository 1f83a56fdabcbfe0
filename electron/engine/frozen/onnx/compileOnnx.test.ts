import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Preprocessing } from '../../../../shared/preprocessing';
import { pretrainedModelDir } from '../../../../test/fixtures/pretrainedModels';
import { initBackend } from '../../tf/backend';
import { fileSystemLoader } from '../../tf/fsModelIO';
import { frozenGraphFromLayers } from '../fromLayers';
import { optimizeFrozenGraph, UnsupportedLayerError } from '../frozenGraph';
import { compileOnnx } from './compileOnnx';
import { createOnnxRunner } from './onnxSession';

beforeAll(async () => {
  await initBackend('wasm');
});

/** BatchNorm with non-trivial statistics, or folding bugs would hide behind identity maps */
function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    // the moving variance is the last weight, whether or not the layer has gamma and beta
    const ws = l.getWeights();
    l.setWeights(
      ws.map((w, i) =>
        tf.tidy(() => (i === ws.length - 1 ? tf.randomUniform(w.shape, 0.5, 2, 'float32', seed + i) : tf.randomNormal(w.shape, 0, 0.5, 'float32', seed + i))),
      ),
    );
  }
}

const pre = (h: number, w: number, range: [number, number] = [-1, 1]): Preprocessing => ({ height: h, width: w, resize: 'stretch', range });

/**
 * The compiled graph on ONNX Runtime against the TF.js model on the same photos-to-be: raw
 * pixels go to ONNX (its graph applies the value range), mapped ones to TF.js. Returns the
 * largest difference relative to the largest output.
 */
async function onnxVsTfjs(
  model: tfl.LayersModel,
  cut: string,
  p: Preprocessing,
  batch = 3,
  portable = false,
): Promise<{ diff: number; shape: number[]; nodes: number; ops: string[] }> {
  const compiled = compileOnnx(optimizeFrozenGraph(frozenGraphFromLayers(model, cut)), { preprocessing: p, portable });
  const ops = [...new Set(onnxProto.onnx.ModelProto.decode(compiled.bytes).graph!.node!.map((n) => n.opType ?? ''))];
  const runner = await createOnnxRunner(compiled.bytes, { inputName: compiled.inputName, outputName: compiled.outputName, height: p.height, width: p.width });
  try {
    const raw = tf.tidy(() => tf.randomUniform([batch, p.height, p.width, 3], 0, 255, 'float32', 11).dataSync() as Float32Array);
    const ours = await runner.run(raw, batch);
    const cutModel = tfl.model({ inputs: model.inputs, outputs: model.getLayer(cut).output as tfl.SymbolicTensor });
    const [lo, hi] = p.range;
    const { theirs, shape } = tf.tidy(() => {
      const x = tf.add(tf.mul(tf.tensor4d(raw, [batch, p.height, p.width, 3]), (hi - lo) / 255), lo);
      const y = cutModel.predict(x) as tf.Tensor;
      return { theirs: tf.reshape(y, [batch, -1]).dataSync() as Float32Array, shape: y.shape };
    });
    expect(ours.length).toBe(theirs.length);
    let diff = 0;
    let scale = 1e-6;
    for (let i = 0; i < ours.length; i++) {
      diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!));
      scale = Math.max(scale, Math.abs(theirs[i]!));
    }
    return { diff: diff / scale, shape, nodes: compiled.nodes, ops };
  } finally {
    await runner.dispose();
  }
}

const input = (h = 12, w = 12) => tfl.input({ shape: [h, w, 3] });
type ST = tfl.SymbolicTensor;

describe('ONNX compiler: each layer type matches TF.js', () => {
  it('Conv2D (same, stride 2) + BatchNorm + ReLU6, on a non-square input', async () => {
    const x = input(13, 10);
    let y = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x) as ST;
    y = tfl.layers.batchNormalization().apply(y) as ST;
    y = tfl.layers.reLU({ maxValue: 6, name: 'out' }).apply(y) as ST;
    const m = tfl.model({ inputs: x, outputs: y });
    randomizeBatchNorms(m, 1);
    expect((await onnxVsTfjs(m, 'out', pre(13, 10))).diff).toBeLessThan(1e-5);
  });

  it('ZeroPadding2D + DepthwiseConv2D (valid, multiplier 2) + BatchNorm without scale + ReLU', async () => {
    const x = input();
    let y = tfl.layers
      .zeroPadding2d({
        padding: [
          [0, 1],
          [1, 2],
        ],
      })
      .apply(x) as ST;
    y = tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', depthMultiplier: 2, useBias: false }).apply(y) as ST;
    y = tfl.layers.batchNormalization({ scale: false }).apply(y) as ST;
    y = tfl.layers.activation({ activation: 'relu', name: 'out' }).apply(y) as ST;
    const m = tfl.model({ inputs: x, outputs: y });
    randomizeBatchNorms(m, 2);
    expect((await onnxVsTfjs(m, 'out', pre(12, 12, [0, 1]))).diff).toBeLessThan(1e-5);
  });

  it('residual Add, Multiply, Concatenate on channels, max pooling (valid) and average pooling (same)', async () => {
    const x = input();
    const a = tfl.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu' }).apply(x) as ST;
    const b = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'sigmoid' }).apply(x) as ST;
    const sum = tfl.layers.add().apply([a, b]) as ST;
    const prod = tfl.layers.multiply().apply([a, b, sum]) as ST;
    const cat = tfl.layers.concatenate().apply([sum, prod]) as ST;
    const mp = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid' }).apply(cat) as ST;
    const ap = tfl.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'out' }).apply(mp) as ST;
    const m = tfl.model({ inputs: x, outputs: ap });
    const r = await onnxVsTfjs(m, 'out', pre(12, 12));
    // a 4-D bottleneck is flattened in channels-last order, as the cache stores it
    expect(r.shape).toEqual([3, 5, 5, 8]);
    expect(r.diff).toBeLessThan(1e-5);
  });

  it('Flatten, Dropout (identity), Dense with tanh, global max pooling, Concatenate of vectors', async () => {
    const x = input();
    const gmp = tfl.layers.globalMaxPooling2d({}).apply(x) as ST;
    const c = tfl.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'elu' }).apply(x) as ST;
    const f = tfl.layers.flatten().apply(c) as ST;
    const d = tfl.layers.dropout({ rate: 0.5 }).apply(f) as ST;
    const cat = tfl.layers.concatenate().apply([d, gmp]) as ST;
    const dense = tfl.layers.dense({ units: 5, activation: 'tanh', name: 'out' }).apply(cat) as ST;
    const m = tfl.model({ inputs: x, outputs: dense });
    expect((await onnxVsTfjs(m, 'out', pre(12, 12))).diff).toBeLessThan(1e-5);
  });

  it('SeparableConv2D with swish, a dilated convolution, hard sigmoid, softplus, softsign, selu', async () => {
    const x = input(16, 16);
    let y = tfl.layers.separableConv2d({ filters: 6, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'swish' }).apply(x) as ST;
    y = tfl.layers.conv2d({ filters: 6, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'hardSigmoid' }).apply(y) as ST;
    y = tfl.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'softplus' }).apply(y) as ST;
    y = tfl.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'softsign' }).apply(y) as ST;
    y = tfl.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'selu', name: 'out' }).apply(y) as ST;
    const m = tfl.model({ inputs: x, outputs: y });
    expect((await onnxVsTfjs(m, 'out', pre(16, 16))).diff).toBeLessThan(1e-5);
  });

  it('a squeeze-and-excitation block: pooled, Reshape to 1×1×C, 1×1 convolutions, Multiply; Rescaling; Dense and Softmax over channels; Maximum, Minimum, Average', async () => {
    const x = input();
    const r = tfl.layers.rescaling({ scale: 0.5, offset: 0.25 }).apply(x) as ST;
    const c = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(r) as ST;
    let se = tfl.layers.globalAveragePooling2d({}).apply(c) as ST;
    se = tfl.layers.reshape({ targetShape: [1, 1, 8] }).apply(se) as ST;
    se = tfl.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'relu' }).apply(se) as ST;
    se = tfl.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'sigmoid' }).apply(se) as ST;
    const excited = tfl.layers.multiply().apply([c, se]) as ST;
    const dense = tfl.layers.dense({ units: 8 }).apply(excited) as ST;
    const soft = tfl.layers.softmax({ axis: -1 }).apply(dense) as ST;
    const mx = tfl.layers.maximum().apply([excited, soft]) as ST;
    const mn = tfl.layers.minimum().apply([excited, soft]) as ST;
    const avg = tfl.layers.average({ name: 'out' }).apply([mx, mn, dense]) as ST;
    const m = tfl.model({ inputs: x, outputs: avg });
    expect((await onnxVsTfjs(m, 'out', pre(12, 12, [0, 255]))).diff).toBeLessThan(1e-5);
  });

  it("an export's portable graph writes ReLU6 and Dense in ops OpenCV 4.6 reads, with the same values", async () => {
    const x = input();
    let y = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(x) as ST;
    y = tfl.layers.batchNormalization().apply(y) as ST;
    y = tfl.layers.reLU({ maxValue: 6 }).apply(y) as ST;
    y = tfl.layers.globalAveragePooling2d({}).apply(y) as ST;
    y = tfl.layers.dense({ units: 5, activation: 'relu6' }).apply(y) as ST;
    y = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(y) as ST;
    const m = tfl.model({ inputs: x, outputs: y });
    randomizeBatchNorms(m, 4);
    const fast = await onnxVsTfjs(m, 'out', pre(12, 12), 3, false);
    expect(fast.ops).toEqual(expect.arrayContaining(['Clip', 'Gemm']));
    const portable = await onnxVsTfjs(m, 'out', pre(12, 12), 3, true);
    expect(portable.ops).not.toContain('Clip');
    expect(portable.ops).not.toContain('Gemm');
    expect(portable.diff).toBeLessThan(1e-5);
  });

  it('writes a model that names its opset, producer and metadata', () => {
    const x = input();
    const y = tfl.layers.conv2d({ filters: 2, kernelSize: 3, name: 'out' }).apply(x) as ST;
    const m = tfl.model({ inputs: x, outputs: y });
    const c = compileOnnx(frozenGraphFromLayers(m, 'out'), { preprocessing: pre(12, 12), metadata: { labels: '["a","b"]' } });
    const decoded = onnxProto.onnx.ModelProto.decode(c.bytes);
    expect(Number(decoded.opsetImport[0]!.version)).toBe(13);
    expect(decoded.producerName).toBe('transfer-lab');
    expect(decoded.metadataProps).toEqual([expect.objectContaining({ key: 'labels', value: '["a","b"]' })]);
    expect(decoded.graph!.input![0]!.name).toBe('pixels');
    expect(decoded.graph!.output![0]!.name).toBe('features');
  });

  it('an unsupported layer is named, so the caller can fall back to TF.js', () => {
    const x = input();
    const y = tfl.layers.conv2d({ filters: 2, kernelSize: 3, name: 'c' }).apply(x) as ST;
    const z = tfl.layers.upSampling2d({ size: [2, 2], name: 'up' }).apply(y) as ST;
    const m = tfl.model({ inputs: x, outputs: z });
    expect(() => frozenGraphFromLayers(m, 'up')).toThrow(UnsupportedLayerError);
    expect(() => frozenGraphFromLayers(m, 'up')).toThrow(/layer up \(UpSampling2D\) has no translation outside TF\.js/);
  });
});

describe('ONNX compiler: a small image enlarged inside the graph', () => {
  it('matches TF.js enlarging it bilinearly with half-pixel centres, and leaves input-sized images alone', async () => {
    const x = input(24, 20);
    const y = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'out' }).apply(x) as ST;
    const m = tfl.model({ inputs: x, outputs: y });
    const p = pre(24, 20);
    const compiled = compileOnnx(optimizeFrozenGraph(frozenGraphFromLayers(m, 'out')), { preprocessing: p, pixelType: 'uint8', resizeInside: true });
    const runner = await createOnnxRunner(compiled.bytes, { inputName: compiled.inputName, outputName: compiled.outputName, height: 24, width: 20 });
    try {
      for (const [h, w] of [
        [7, 5],
        [24, 20],
        [3, 11],
      ] as const) {
        const pixels = Uint8Array.from(tf.tidy(() => tf.randomUniform([2, h, w, 3], 0, 255, 'float32', h).dataSync()));
        const ours = await runner.run(pixels, 2, [h, w]);
        const theirs = tf.tidy(() => {
          const mapped = tf.sub(tf.div(tf.tensor4d(pixels, [2, h, w, 3], 'float32'), 127.5), 1);
          const big = h === 24 && w === 20 ? mapped : tf.image.resizeBilinear(mapped as tf.Tensor4D, [24, 20], false, true);
          return tf.reshape(m.predict(big) as tf.Tensor, [2, -1]).dataSync() as Float32Array;
        });
        expect(ours.length).toBe(theirs.length);
        let diff = 0;
        for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!));
        expect(diff, `${h}×${w}`).toBeLessThan(1e-4);
      }
    } finally {
      await runner.dispose();
      m.dispose();
    }
  });
});

describe('ONNX compiler: real pre-trained networks', () => {
  it('MobileNetV2 up to its pooled features', async () => {
    const m = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('mobilenet_v2')));
    const r = await onnxVsTfjs(m, 'flatten_1', pre(224, 224), 2);
    expect(r.shape).toEqual([2, 1280]);
    expect(r.diff).toBeLessThan(1e-4);
    // and cut lower, at an unpooled block output
    const low = await onnxVsTfjs(m, 'block_13_expand_relu', pre(224, 224), 1);
    expect(low.shape).toEqual([1, 14, 14, 576]);
    expect(low.diff).toBeLessThan(1e-4);
    m.dispose();
  });

  it('Inception v3 up to its pooled features', async () => {
    const m = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('inception_v3')));
    const r = await onnxVsTfjs(m, 'flatten_1', pre(299, 299), 1);
    expect(r.shape).toEqual([1, 2048]);
    expect(r.diff).toBeLessThan(1e-4);
    m.dispose();
  });
});
