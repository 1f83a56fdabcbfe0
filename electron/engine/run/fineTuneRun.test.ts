import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistCopy } from '../../../test/fixtures/fashionMnist';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { exportRun } from '../export/exportModel';
import { checkExportParity } from '../export/parity';
import { initBackend } from '../tf/backend';
import { fileSystemLoader } from '../tf/fsModelIO';
import { evaluateRun } from './evaluateRun';
import { featureMap } from './featureMap';
import { trainRun, type TrainRunOptions, type TrainRunResult } from './trainRun';

/**
 * Fine-tuning the top of a real MobileNetV2 on real photos: the layers below the split stay
 * frozen and cached; the layers above it and the head train; BatchNorm stays as it was.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-finetune-'));
const cacheDir = path.join(work, 'cache');
let dataset: string;
let run: TrainRunResult;

beforeAll(async () => {
  await initBackend('wasm');
  dataset = await fashionMnistCopy({ perClass: 20, classes: ['1_trouser', '7_sneaker', '8_bag'], dest: path.join(work, 'photos') });
  run = await mobileNetRun({ epochs: 3, batchSize: 8, learningRate: 0.01, fineTuneLayers: 4, patience: 0 }, 'run');
});

/** a run of MobileNetV2 on this file's photos and cache, into `out` under the work folder */
const mobileNetRun = (config: TrainRunOptions['config'], out: string, onEvent?: TrainRunOptions['onEvent']) =>
  trainRun({
    dataset,
    model: pretrainedModelDir('mobilenet_v2'),
    config,
    split: { val: 0.15, test: 0.25 },
    cacheDir,
    outDir: path.join(work, out),
    ...(onEvent ? { onEvent } : {}),
  });

const weightsOf = (m: tfl.LayersModel, layer: string) =>
  m
    .getLayer(layer)
    .getWeights()
    .map((w) => Float32Array.from(w.dataSync()));
const changed = (a: Float32Array[], b: Float32Array[]) => a.some((w, i) => w.some((v, k) => v !== b[i]![k]));

describe('fine-tuning the top layers of a real network', () => {
  it("records the split, the layers it trained, and caches the split layer's output", () => {
    const ft = run.record.model.fineTune!;
    expect(ft.split).toBe('block_15_add');
    expect(ft.splitShape).toEqual([7, 7, 160]);
    expect(ft.layers).toEqual(['block_16_expand', 'block_16_depthwise', 'block_16_project', 'Conv_1']);
    expect(ft.trainableParams).toBeGreaterThan(500_000);
    expect(run.record.cache.misses).toBe(60);
    expect(run.record.config.fineTuneLayers).toBe(4);
    expect(run.record.epochs).toHaveLength(3);
  });

  it('changes exactly the intended layers: the fine-tuned ones, not their BatchNorm, not what lies below', async () => {
    const original = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('mobilenet_v2')));
    const top = await tfl.loadLayersModel(fileSystemLoader(path.join(run.runDir, 'top')));
    try {
      for (const name of run.record.model.fineTune!.layers) expect(changed(weightsOf(top, name), weightsOf(original, name)), name).toBe(true);
      for (const name of ['block_16_expand_BN', 'block_16_depthwise_BN', 'block_16_project_BN', 'Conv_1_bn'])
        expect(changed(weightsOf(top, name), weightsOf(original, name)), name).toBe(false);
      // below the split nothing is even in the top model
      expect(top.layers.some((l) => l.name === 'block_15_project')).toBe(false);
    } finally {
      original.dispose();
      top.dispose();
    }
  });

  it('shares its batches out to a worker thread where there is a second core, and still changes exactly the intended layers', async () => {
    const logs: string[] = [];
    // 36 training images in batches of 16 over 6 epochs: 18 batches, two shards of 8
    const shared = await mobileNetRun({ epochs: 6, batchSize: 16, learningRate: 0.01, fineTuneLayers: 4, patience: 0 }, 'run-shared', (e) => {
      if (e.type === 'log') logs.push(e.message);
    });
    const devices = shared.record.devices!;
    if (os.availableParallelism() < 2) {
      // one core: nothing to share with, and the record says nothing of threads
      console.warn('one core here: the shared fine-tuning batches were not tried');
      expect(devices.topLayers!.by).not.toMatch(/threads/);
      return;
    }
    expect(logs).toContain('fine-tuning on 2 threads: each batch is shared out (wasm runs on one core)');
    expect(logs.filter((l) => l.startsWith('fine-tuning goes on on one thread'))).toEqual([]);
    expect(devices.topLayers!.by).toBe('@tensorflow/tfjs-backend-wasm on 2 threads');
    expect(devices.head.by).toBe('@tensorflow/tfjs-backend-wasm on 2 threads');
    expect(shared.record.epochs.every((e) => Number.isFinite(e.loss))).toBe(true);
    const original = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('mobilenet_v2')));
    const top = await tfl.loadLayersModel(fileSystemLoader(path.join(shared.runDir, 'top')));
    try {
      for (const name of shared.record.model.fineTune!.layers) expect(changed(weightsOf(top, name), weightsOf(original, name)), name).toBe(true);
      for (const name of ['block_16_expand_BN', 'block_16_depthwise_BN', 'block_16_project_BN', 'Conv_1_bn'])
        expect(changed(weightsOf(top, name), weightsOf(original, name)), name).toBe(false);
    } finally {
      original.dispose();
      top.dispose();
    }
  }, 120_000);

  it('evaluates again from the cache to the same matrix, and a second run extracts nothing', async () => {
    const again = await evaluateRun(run.runDir, { cacheDir });
    expect(again.evaluation.confusionMatrix).toEqual(run.record.evaluation.confusionMatrix);
    const tensors = tf.memory().numTensors;
    const second = await mobileNetRun({ epochs: 1, fineTuneLayers: 4 }, 'run2');
    expect(second.record.cache).toMatchObject({ hits: 60, misses: 0 });
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it("maps what its head is given: the fine-tuned layers' pooled output at the cut, not the split's cached features", async () => {
    const tensors = tf.memory().numTensors;
    const map = await featureMap(run.runDir, { cacheDir });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(map.fineTuned).toBe(4);
    expect(map.layer).toBe(run.record.model.cut);
    // the head's input (MobileNetV2's 1280 channels, pooled), where the cache holds the split's 7 × 7 × 160
    expect(map.featureDim).toBe(1280);
    expect(map.points).toHaveLength(60);
    expect(map.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))).toBe(true);
  });

  it('exports the fine-tuned network as TF.js and ONNX, and both agree with the engine', async () => {
    const dest = path.join(work, 'export');
    await exportRun(run.runDir, dest);
    const parity = await checkExportParity(run.runDir, dest, { cacheDir });
    expect(parity.formats.map((f) => f.format)).toEqual(['tfjs', 'onnx']);
    expect(parity.disagreements).toEqual([]);
    expect(parity.maxProbabilityDiff).toBeLessThan(1e-3);
  });

  it('refuses to fine-tune a graph model, which is frozen as published', async () => {
    await expect(
      trainRun({
        dataset,
        model: pretrainedModelDir('mobilenet_v2_mid'),
        config: { epochs: 1, fineTuneLayers: 2 },
        cacheDir,
        outDir: path.join(work, 'run-graph'),
      }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});

describe('fine-tuning Inception v3, whose BatchNorm layers have no scale', () => {
  it('trains its top layers (TF.js could not take their gradient before), and exactly those change', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-finetune-inception-'));
    try {
      const photos = await fashionMnistCopy({ perClass: 3, classes: ['1_trouser', '8_bag'], dest: path.join(dir, 'photos') });
      const inception = await trainRun({
        dataset: photos,
        model: pretrainedModelDir('inception_v3'),
        config: { epochs: 1, batchSize: 4, learningRate: 0.01, fineTuneLayers: 4, patience: 0 },
        split: { val: 0, test: 0 },
        cacheDir: path.join(dir, 'cache'),
        outDir: path.join(dir, 'run'),
      });
      const ft = inception.record.model.fineTune!;
      expect(ft.layers.length).toBeGreaterThanOrEqual(4);
      expect(Number.isFinite(inception.record.epochs[0]!.loss)).toBe(true);
      const original = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('inception_v3')));
      const top = await tfl.loadLayersModel(fileSystemLoader(path.join(inception.runDir, 'top')));
      try {
        for (const name of ft.layers) expect(changed(weightsOf(top, name), weightsOf(original, name)), name).toBe(true);
        const norms = top.layers.filter((l) => l.getClassName() === 'BatchNormalization');
        expect(norms.length).toBeGreaterThan(0);
        for (const l of norms) {
          expect(l.getWeights(), l.name).toHaveLength(3); // beta and the moving statistics: no scale, saved as it was
          expect(changed(weightsOf(top, l.name), weightsOf(original, l.name)), l.name).toBe(false);
        }
      } finally {
        original.dispose();
        top.dispose();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
