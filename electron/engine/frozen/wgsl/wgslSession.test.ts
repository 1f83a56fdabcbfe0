import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../tf/backend';
import { enlargeToInput } from '../../tf/enlarge';
import { loadLayersBackbone } from '../../models/loadBackbone';
import { pixelsToFloat } from '../../images/modelPixels';
import { nodeGpu } from '../../devices/probeDevices';
import { relativeDiff } from '../../extract/parity';
import { pretrainedModelDir } from '../../../../test/fixtures/pretrainedModels';
import { optimizeFrozenGraph, type FrozenGraph } from '../frozenGraph';
import { frozenGraphFromLayers } from '../fromLayers';
import { FusedExecutor } from '../fusedExecutor';
import type { Preprocessing } from '../../../../shared/preprocessing';
import { compileWgsl } from './compileWgsl';
import { WgslSession, type WgslSessionOptions } from './wgslSession';
import { swiftShaderIcd as swiftshader, swiftShaderOr } from '../../../../test/fixtures/swiftShader';

/*
 * Our WGSL kernels on a real WebGPU device: SwiftShader's software Vulkan (Debian's chromium
 * package), through Dawn for Node. Each graph's features are compared with TF.js's fused
 * executor on the CPU, as the extractor's parity check compares them.
 */
const canRun = swiftShaderOr('WGSL kernel tests');

const noise = (n: number, seed: number) => {
  const x = new Uint8Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i + seed) * 2654435761) >>> 24;
  return x;
};

/** TF.js's features for the same pixels: mapped to the value range, enlarged, through the fused executor */
function reference(g: FrozenGraph, p: Preprocessing, pixels: Uint8Array, n: number, size: [number, number]): Float32Array {
  const ex = new FusedExecutor(g);
  try {
    return tf.tidy(() => {
      const x = enlargeToInput(tf.tensor4d(pixelsToFloat(pixels, p), [n, size[0], size[1], 3]), p.height, p.width);
      return tf.reshape(ex.run(x), [n, -1]).dataSync() as Float32Array;
    });
  } finally {
    ex.dispose();
  }
}

async function features(g: FrozenGraph, p: Preprocessing, pixels: Uint8Array, n: number, size: [number, number], o?: WgslSessionOptions) {
  const session = await WgslSession.create((await nodeGpu()) as GPU, compileWgsl(g, p), o);
  try {
    return { out: await session.run(pixels, n, size), batch: session.batch, adapter: session.adapter };
  } finally {
    await session.dispose();
  }
}

beforeAll(async () => {
  process.env.VK_DRIVER_FILES = swiftshader;
  await initBackend('wasm');
});
afterAll(() => {
  delete process.env.VK_DRIVER_FILES;
});

describe.runIf(canRun)('WGSL kernels on WebGPU (SwiftShader)', () => {
  it('every op the frozen graph has matches TF.js, small images enlarged, a batch run in parts', async () => {
    const L = tfl.layers;
    const x = tfl.input({ shape: [13, 11, 3] });
    const apply = (l: tfl.layers.Layer, ...i: tfl.SymbolicTensor[]) => l.apply(i.length === 1 ? i[0]! : i) as tfl.SymbolicTensor;
    const c1 = apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'c1' }), x);
    const bn = apply(L.batchNormalization({ name: 'bn' }), c1);
    const r6 = apply(L.reLU({ maxValue: 6, name: 'r6' }), bn);
    const padded = apply(
      L.zeroPadding2d({
        padding: [
          [1, 0],
          [0, 1],
        ],
        name: 'zp',
      }),
      r6,
    );
    const dw = apply(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid', activation: 'elu', name: 'dw' }), padded);
    const dil = apply(L.conv2d({ filters: 16, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'sigmoid', name: 'dil' }), dw);
    const sum = apply(L.add({ name: 'sum' }), dw, dil);
    const mp = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'mp' }), sum);
    const ap = apply(L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'ap' }), sum);
    const cat = apply(L.concatenate({ name: 'cat' }), mp, ap);
    const act = apply(L.activation({ activation: 'swish', name: 'act' }), cat);
    const mx = apply(L.maximum({ name: 'mx' }), act, apply(L.concatenate({ name: 'cat2' }), ap, mp));
    const dense = apply(L.dense({ units: 5, activation: 'tanh', name: 'dense' }), mx);
    const gap = apply(L.globalAveragePooling2d({ name: 'gap' }), dense);
    const model = tfl.model({ inputs: x, outputs: gap });
    for (const l of model.layers)
      if (l.getClassName() === 'BatchNormalization')
        l.setWeights(
          l
            .getWeights()
            .map((w, i) => tf.tidy(() => (i === 3 ? tf.randomUniform(w.shape, 0.5, 2, 'float32', 3) : tf.randomNormal(w.shape, 0, 0.5, 'float32', 4 + i)))),
        );
    const g = optimizeFrozenGraph(frozenGraphFromLayers(model, 'gap'));
    expect(new Set(g.nodes.map((n) => n.op))).toEqual(
      new Set(['input', 'conv2d', 'depthwise', 'add', 'maxPool', 'avgPool', 'concat', 'activation', 'maximum', 'dense', 'globalAvgPool']),
    );
    const p: Preprocessing = { height: 13, width: 11, resize: 'stretch', range: [-1, 1] };

    const n = 3;
    const full = noise(n * 13 * 11 * 3, 1);
    const a = await features(g, p, full, n, [13, 11], { batchCap: 2 });
    expect(a.batch).toEqual({ maxBatch: 2, limitedBy: 'cap' });
    expect(a.adapter.architecture).toBe('swiftshader');
    expect(a.out).toHaveLength(n * 5);
    expect(relativeDiff(reference(g, p, full, n, [13, 11]), a.out)).toBeLessThan(1e-5);

    // images smaller than the model's input are enlarged on the GPU as TF.js enlarges them
    const small = noise(2 * 7 * 5 * 3, 2);
    const b = await features(g, p, small, 2, [7, 5]);
    expect(relativeDiff(reference(g, p, small, 2, [7, 5]), b.out)).toBeLessThan(1e-5);
  }, 120_000);

  it('MobileNetV2 from its real weights matches TF.js within the parity tolerance', async () => {
    const model = await loadLayersBackbone(pretrainedModelDir('mobilenet_v2'));
    const g = optimizeFrozenGraph(frozenGraphFromLayers(model, 'flatten_1'));
    model.dispose();
    const p: Preprocessing = { height: 224, width: 224, resize: 'stretch', range: [-1, 1] };
    const pixels = noise(224 * 224 * 3, 3);
    const { out } = await features(g, p, pixels, 1, [224, 224]);
    expect(out).toHaveLength(1280);
    // measured 3e-6: float32 sums in another order
    expect(relativeDiff(reference(g, p, pixels, 1, [224, 224]), out)).toBeLessThan(1e-4);
  }, 120_000);
});
