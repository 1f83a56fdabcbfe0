import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { loadGraphBackbone } from '../models/loadBackbone';
import { initBackend } from '../tf/backend';
import { readModelJson } from '../tf/fsModelIO';
import { frozenGraphFromGraphModel } from './fromGraphModel';
import { graphStats, optimizeFrozenGraph, UnsupportedLayerError } from './frozenGraph';
import { FusedExecutor } from './fusedExecutor';
import { compileOnnx } from './onnx/compileOnnx';
import { createOnnxRunner } from './onnx/onnxSession';

beforeAll(async () => {
  await initBackend('wasm');
});

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 1e-6;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(a[i]!));
  }
  return d / s;
}

describe('graph models (TF Hub format) as a frozen graph', () => {
  it('a real MobileNetV2 graph model: its fused convolutions, pooling and head read into the graph, and both the TF.js executor and ONNX Runtime give its outputs', async () => {
    const dir = pretrainedModelDir('mobilenet_v2_mid');
    const model = await loadGraphBackbone(dir);
    const topology = readModelJson(dir).modelTopology as { node: { name: string; op: string }[] };
    const g = optimizeFrozenGraph(frozenGraphFromGraphModel(topology, model.weights, model.outputNodes[0]!, [224, 224, 3]));
    const ops = graphStats(g).ops;
    expect(ops.conv2d).toBe(35);
    expect(ops.depthwise).toBe(17);
    expect(ops.add).toBe(10);
    expect(ops.dense).toBe(1);
    const n = 2;
    const raw = tf.tidy(() => tf.randomUniform([n, 224, 224, 3], 0, 255, 'float32', 5).dataSync() as Float32Array);
    // the model maps [0, 1] to [-1, 1] itself: feed it [0, 1]
    const scaled = raw.map((v) => v / 255);
    const theirs = tf.tidy(() => (model.predict(tf.tensor4d(scaled, [n, 224, 224, 3])) as tf.Tensor).dataSync());
    const ex = new FusedExecutor(g);
    const fused = tf.tidy(() => ex.run(tf.tensor4d(scaled, [n, 224, 224, 3])).dataSync());
    ex.dispose();
    expect(relDiff(theirs, fused)).toBeLessThan(1e-4);
    const c = compileOnnx(g, { preprocessing: { height: 224, width: 224, resize: 'stretch', range: [0, 1] } });
    const r = await createOnnxRunner(c.bytes, { inputName: c.inputName, outputName: c.outputName, height: 224, width: 224 });
    const ours = await r.run(raw, n);
    await r.dispose();
    expect(ours.length).toBe(n * 5);
    expect(relDiff(theirs, ours)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('names an op it cannot translate', () => {
    const topology = {
      node: [
        { name: 'x', op: 'Placeholder' },
        { name: 'y', op: 'ResizeBilinear', input: ['x', 'size'] },
      ],
    };
    const size = tf.tensor1d([4, 4], 'int32');
    expect(() => frozenGraphFromGraphModel(topology, { size: [size] }, 'y', [2, 2, 3])).toThrow(UnsupportedLayerError);
    expect(() => frozenGraphFromGraphModel(topology, { size: [size] }, 'y', [2, 2, 3])).toThrow(/y \(ResizeBilinear\) has no translation outside TF\.js/);
    size.dispose();
  });
});
