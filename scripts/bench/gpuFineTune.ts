// `npm run bench -- --gpu`'s fine-tuning figure: the top layers and the head trained on WebGPU,
// against the same epochs on our CPU path from the same cache.
import fs from 'node:fs';
import path from 'node:path';
import { trainRun } from '../../electron/engine/run/trainRun';
import type { Step } from './peerSweep';
import { ratio, round } from './report';

export interface GpuFineTune {
  model: string;
  layers: number;
  images: number;
  /** seconds of one epoch (the last: the first pays for compiling shaders) */
  ours: number | null;
  /** the same epoch on the CPU path (TF.js's wasm backend, as without a GPU) */
  cpu: number | null;
  /** cpu / ours: how many times faster the GPU trains */
  ratio: number | null;
  /** peer_pytorch.py trains a head alone: it has no fine-tuning to compare with */
  peer: null;
}

/** Fine-tunes `layers` top layers of the model in `dir` on the GPU, then on the CPU path: the last epoch of each, timed. */
export async function measureGpuFineTune(o: {
  step: Step;
  workDir: string;
  dir: string;
  dataset: string;
  layers: number;
  epochs: number;
  extractBatch: number | undefined;
  notes: string[];
}): Promise<GpuFineTune> {
  const dir = fs.mkdtempSync(path.join(o.workDir, 'finetune-'));
  try {
    const config = {
      epochs: o.epochs,
      batchSize: 32,
      learningRate: 0.001,
      fineTuneLayers: o.layers,
      patience: 0,
      head: { hiddenUnits: 0, dropout: 0 },
    };
    const split = { val: 0, test: 0.2 };
    const cacheDir = path.join(dir, 'cache');
    const gpuRun = await o.step(`ours: fine-tuning ${o.layers} layers of ${path.basename(o.dir)} on WebGPU, ${o.epochs} epochs`, async () => {
      const r = await trainRun({
        dataset: o.dataset,
        model: o.dir,
        config,
        split,
        cacheDir,
        // a folder of its own for each attempt: a step measured again (the machine was busy)
        // found the first attempt's finished run there and refused to overwrite it
        outDir: fs.mkdtempSync(path.join(dir, 'gpu-')),
        extractor: 'webgpu',
        extractBatchSize: o.extractBatch,
      });
      if (r.record.devices?.topLayers?.device !== 'gpu')
        throw new Error(`the top layers did not train on the GPU: ${r.record.devices?.topLayers?.why ?? 'no reason given'}`);
      return r.record;
    });
    const cpuRun = await o.step(
      `ours: the same fine-tuning on the CPU path (wasm), from the same cache`,
      async () =>
        (
          await trainRun({
            dataset: o.dataset,
            model: o.dir,
            config,
            split,
            cacheDir,
            outDir: fs.mkdtempSync(path.join(dir, 'cpu-')),
            extractor: 'onnx',
          })
        ).record,
    );
    const lastEpoch = (r: typeof gpuRun) => r?.epochs.at(-1)?.seconds ?? null;
    const g = round(lastEpoch(gpuRun), 3);
    const c = round(lastEpoch(cpuRun), 3);
    const figure: GpuFineTune = {
      model: gpuRun?.model.name ?? path.basename(o.dir),
      layers: gpuRun?.model.fineTune?.layers.length ?? o.layers,
      images: gpuRun?.dataset.counts.train ?? 0,
      ours: g,
      cpu: c,
      ratio: ratio(c, g),
      peer: null,
    };
    if (gpuRun && cpuRun)
      o.notes.push(
        `fine-tuning: the last epoch's loss ${gpuRun.epochs.at(-1)!.loss.toFixed(5)} on the GPU, ${cpuRun.epochs.at(-1)!.loss.toFixed(5)} on the CPU path`,
      );
    return figure;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
