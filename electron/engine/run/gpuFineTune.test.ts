import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { initBackend } from '../tf/backend';
import { fileSystemLoader } from '../tf/fsModelIO';
import { chooseTrainingDevice } from '../train/gpuTraining';
import { trainRun, type TrainRunResult } from './trainRun';
import { swiftShaderIcd as swiftshader, swiftShaderOr } from '../../../test/fixtures/swiftShader';

/**
 * Fine-tuning the top 4 layers of a real MobileNetV2 on TF.js's WebGPU backend, through
 * SwiftShader (slow, so a handful of images and one epoch): the same layers change as on the
 * CPU, and the same epoch gives the same loss within float error.
 */
const canSwiftShader = swiftShaderOr('WebGPU fine-tuning test');

describe('where fine-tuning trains', () => {
  it('on the GPU where the frozen part went there (auto chose it, or --extractor webgpu), else off it with the reason', () => {
    expect(chooseTrainingDevice('webgpu', null)).toEqual({ gpu: true });
    expect(chooseTrainingDevice('auto', { runtime: 'webgpu', deviceReason: 'faster' })).toEqual({ gpu: true });
    expect(chooseTrainingDevice('auto', { runtime: 'onnx', deviceReason: 'the only GPU adapter is software (SwiftShader)' })).toEqual({
      gpu: false,
      why: 'the frozen part stayed on the CPU: the only GPU adapter is software (SwiftShader)',
    });
    expect(chooseTrainingDevice('auto', null)).toMatchObject({ gpu: false, why: expect.stringMatching(/^every feature came from the cache/) });
    expect(chooseTrainingDevice('onnx', { runtime: 'onnx' })).toEqual({ gpu: false, why: '--extractor onnx keeps the run off the GPU' });
  });
});

describe.skipIf(!canSwiftShader)('fine-tuning on WebGPU (SwiftShader)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-gpu-finetune-'));
  const cacheDir = path.join(work, 'cache');
  const config = { epochs: 1, batchSize: 4, learningRate: 0.01, fineTuneLayers: 4, patience: 0, head: { hiddenUnits: 0, dropout: 0 } };
  let dataset: string;
  let cpu: TrainRunResult;
  let gpu: TrainRunResult;

  beforeAll(async () => {
    process.env.VK_DRIVER_FILES = swiftshader;
    await initBackend('wasm');
    dataset = await fashionMnistCopy({ perClass: 3, classes: ['1_trouser', '8_bag'], dest: path.join(work, 'photos') });
    const split = { val: 0, test: 0 };
    // the CPU run extracts (auto: SwiftShader is refused, so the CPU path) and caches the split layer's output
    cpu = await trainRun({ dataset, model: pretrainedModelDir('mobilenet_v2'), config, split, cacheDir, outDir: path.join(work, 'cpu') });
    // the GPU run reads the same features from the cache and trains on WebGPU
    gpu = await trainRun({ dataset, model: pretrainedModelDir('mobilenet_v2'), config, split, cacheDir, outDir: path.join(work, 'gpu'), extractor: 'webgpu' });
  }, 600_000);
  afterAll(() => {
    delete process.env.VK_DRIVER_FILES;
    fs.rmSync(work, { recursive: true, force: true });
  });

  const weightsOf = (m: tfl.LayersModel, layer: string) =>
    m
      .getLayer(layer)
      .getWeights()
      .map((w) => Float32Array.from(w.dataSync()));
  const changed = (a: Float32Array[], b: Float32Array[]) => a.some((w, i) => w.some((v, k) => v !== b[i]![k]));

  it('records the top layers and the head on the GPU, and the CPU run says why it stayed off it', () => {
    expect(gpu.record.cache.misses).toBe(0);
    expect(gpu.record.devices?.topLayers).toEqual({ device: 'gpu', by: "TF.js's WebGPU backend (Dawn)" });
    expect(gpu.record.devices?.head).toEqual({ device: 'gpu', by: "TF.js's WebGPU backend (Dawn)" });
    expect(cpu.record.devices?.topLayers).toMatchObject({
      device: 'cpu',
      why: expect.stringMatching(/^the frozen part stayed on the CPU: the only GPU adapter is software \(SwiftShader\)/),
    });
    expect(cpu.record.devices?.frozenPart.why).toMatch(/^the only GPU adapter is software \(SwiftShader\)/);
  });

  it('changes exactly the intended layers: the fine-tuned ones, not their BatchNorm, not what lies below', async () => {
    const original = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('mobilenet_v2')));
    const top = await tfl.loadLayersModel(fileSystemLoader(path.join(gpu.runDir, 'top')));
    try {
      expect(gpu.record.model.fineTune!.layers).toEqual(['block_16_expand', 'block_16_depthwise', 'block_16_project', 'Conv_1']);
      for (const name of gpu.record.model.fineTune!.layers) expect(changed(weightsOf(top, name), weightsOf(original, name)), name).toBe(true);
      for (const name of ['block_16_expand_BN', 'block_16_depthwise_BN', 'block_16_project_BN', 'Conv_1_bn'])
        expect(changed(weightsOf(top, name), weightsOf(original, name)), name).toBe(false);
      expect(top.layers.some((l) => l.name === 'block_15_project')).toBe(false);
    } finally {
      original.dispose();
      top.dispose();
    }
  });

  it('agrees with the CPU: the same epoch on the same features gives the same loss and accuracy', () => {
    const [c] = cpu.record.epochs;
    const [g] = gpu.record.epochs;
    expect(Math.abs(g!.loss - c!.loss) / c!.loss).toBeLessThan(1e-3);
    expect(g!.accuracy).toBe(c!.accuracy);
    expect(gpu.record.evaluation.confusionMatrix).toEqual(cpu.record.evaluation.confusionMatrix);
  });

  it('leaves the engine on its own backend, with no tensor left behind on the GPU', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.engine().findBackend('webgpu')?.numDataIds()).toBe(0);
  });
});
