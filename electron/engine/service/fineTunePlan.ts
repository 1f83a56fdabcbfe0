import { loadLayersBackbone } from '../models/loadBackbone';
import type { ResolvedModel } from '../models/resolveModel';
import type { BackbonePlan } from '../run/openBackbone';
import { chooseSplit, forwardFlops, topActivationFloats } from '../train/fineTune';
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
    // Measured on wasm (engine tensors and heap growth, one Adam step, MobileNetV2's and Inception
    // v3's top 4 at batch 1, 8 and 32): about 16 floats a weight (the weights, their gradients, two
    // Adam moments and the update's temporaries, all alive at once) and about 4 floats for each
    // float a layer of the top outputs per image (the activations kept for the backward pass and
    // their gradients). Within a third of the heap's growth at batch 32; the earlier estimate (the
    // split's size per layer) said 25 MiB where MobileNetV2 took 296-406.
    const bytes = params * 4 * 16 + batchSize * topActivationFloats(m, point.split, plan.cut) * 4 * 4 + headBytes;
    return {
      fineTune: {
        split: point.split,
        splitShape,
        layers: top,
        trainableParams: params,
        mflopsPerImage: Math.round(flops / 1e6),
        cacheBytesPerImage: cacheFloats * 4,
        trainMemoryMiB: Math.max(1, Math.round(bytes / MiB)),
      },
      fineTuneUnavailable: null,
    };
  } catch (e) {
    return { fineTune: null, fineTuneUnavailable: e instanceof Error ? e.message : String(e) };
  } finally {
    m.dispose();
  }
}
