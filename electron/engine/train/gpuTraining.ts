import * as tf from '@tensorflow/tfjs-core';
import type { ExtractorRuntime } from '../extract/protocol';
import type { ClassifierNet } from './net';
import { frozenPartStayed } from '../../../shared/devices';

export type TrainingDevice = { gpu: true } | { gpu: false; why: string };

/**
 * Where fine-tuning (the top layers and the head) trains: on TF.js's WebGPU backend where the
 * run gave its frozen part to the GPU — `auto` chose it (a hardware adapter that passed parity
 * and measured faster, chooseDevice.ts) or `--extractor webgpu` forced it — else where it
 * trained before. A head alone is not asked: tiny dense steps are dispatch-bound on a GPU
 * (GPU.md: 13.7 s on WebGPU against 5.3 s on the CPU backend for 10 epochs of 400 features).
 */
export function chooseTrainingDevice(requested: ExtractorRuntime, extracted: { runtime: string; deviceReason?: string } | null): TrainingDevice {
  if (requested === 'webgpu') return { gpu: true };
  if (requested !== 'auto') return { gpu: false, why: `--extractor ${requested} keeps the run off the GPU` };
  if (!extracted) return { gpu: false, why: 'every feature came from the cache, so the GPU was not weighed (--extractor webgpu trains there)' };
  if (extracted.runtime === 'webgpu') return { gpu: true };
  return { gpu: false, why: extracted.deviceReason ? `${frozenPartStayed}: ${extracted.deviceReason}` : 'the GPU was not weighed' };
}

/**
 * Runs a training on TF.js's WebGPU backend (started beforehand: startWebgpuBackend), then
 * brings the trained net's weights back to the backend that was active: in Node a synchronous
 * read on WebGPU throws (`OffscreenCanvas is not defined`), and evaluation, export and the
 * run's files read synchronously. The weights are read with `await data()` and written anew.
 */
export async function trainOnWebgpu<T extends { net: ClassifierNet }>(work: () => Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend('webgpu');
  let result: T | undefined;
  try {
    result = await work();
  } finally {
    const weights = result?.net.getWeights() ?? [];
    const data = await Promise.all(weights.map((w) => w.data()));
    await tf.setBackend(previous);
    if (result) {
      const back = data.map((d, i) => tf.tensor(d, weights[i]!.shape, weights[i]!.dtype));
      result.net.setWeights(back);
      tf.dispose(back);
    }
  }
  return result;
}
