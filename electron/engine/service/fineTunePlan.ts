import { loadLayersBackbone } from '../models/loadBackbone';
import type { ResolvedModel } from '../models/resolveModel';
import type { BackbonePlan } from '../run/openBackbone';
import * as tf from '@tensorflow/tfjs-core';
import { availableMemoryBytes } from '../extract/memoryBudget';
import { chooseSplit, fineTuneFootprint, forwardFlops, wasmHeapRefusal } from '../train/fineTune';
import { MiB } from './serviceContext';

/** what fine-tuning the top `layers` would train and cost, for the Freeze step */
export async function fineTunePlan(model: ResolvedModel, plan: BackbonePlan, layers: number, batchSize: number, headBytes: number) {
  if (layers <= 0) return { fineTune: null, fineTuneUnavailable: null };
  if (model.format !== 'layers') return { fineTune: null, fineTuneUnavailable: `${model.name} is a graph model: its layers are frozen as published.` };
  const m = await loadLayersBackbone(model.dir);
  try {
    const point = chooseSplit(m, plan.cut, layers);
    const splitShape = (m.getLayer(point.split).outputShape as number[]).slice(1);
    const top = point.trainable;
    const params = top.reduce((s, n) => s + m.getLayer(n).countParams(), 0);
    // forward, then backward at about twice that
    const flops = 3 * forwardFlops(m, top);
    const cacheFloats = splitShape.reduce((a, b) => a * b, 1);
    const footprint = fineTuneFootprint(m, point.split, plan.cut, params);
    const bytes = footprint.fixed + batchSize * footprint.perImage + headBytes;
    // the check training makes on wasm, with the whole network held as it will be then
    const held = m.countParams() * 4;
    const refusal =
      tf.getBackend() === 'wasm'
        ? wasmHeapRefusal(footprint, batchSize, { heldBytes: held, heapBytes: held, availableBytes: availableMemoryBytes() }, top.length)
        : null;
    return {
      fineTune: {
        split: point.split,
        splitShape,
        layers: top,
        trainableParams: params,
        mflopsPerImage: Math.round(flops / 1e6),
        cacheBytesPerImage: cacheFloats * 4,
        trainMemoryMiB: Math.max(1, Math.round(bytes / MiB)),
        memoryRefusal: refusal ? `${refusal.message} ${refusal.hint ?? ''}`.trim() : null,
      },
      fineTuneUnavailable: null,
    };
  } catch (e) {
    return { fineTune: null, fineTuneUnavailable: e instanceof Error ? e.message : String(e) };
  } finally {
    m.dispose();
  }
}
