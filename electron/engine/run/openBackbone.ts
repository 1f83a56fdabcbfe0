import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Preprocessing } from '../../../shared/preprocessing';
import { cutOutputShape, defaultCut, featureDimOf, graphFeatureShape, loadGraphBackbone, loadLayersBackbone, requireLayer } from '../models/loadBackbone';
import type { ResolvedModel } from '../models/resolveModel';
import type { CacheSpec } from '../cache/bottleneckCache';
import { forwardFlops } from '../train/fineTune';

/** What the pipeline needs to know of a backbone before it extracts anything. */
export interface BackbonePlan {
  cut: string;
  cutShape: number[];
  pooling: 'avg' | 'none';
  featureDim: number;
  weightsBytes: number;
  /** parameters of the frozen part: input up to the cut */
  frozenParams: number;
  /** multiply-adds ×2 of one image through the frozen part, where the layers can be counted */
  forwardMflops: number | null;
  /** floats of the largest activation of one image up to the cut: sizes the batches */
  peakActivationFloats: number;
  inputFloats: number;
}

/** what keys a model's features at a plan's cut in the bottleneck cache (its folder, and the compiled graph kept in it) */
export function cacheSpecOf(model: Pick<ResolvedModel, 'key' | 'preprocessing'>, plan: Pick<BackbonePlan, 'cut' | 'pooling' | 'featureDim'>): CacheSpec {
  return { modelKey: model.key, cut: plan.cut, pooling: plan.pooling, preprocessing: model.preprocessing, featureDim: plan.featureDim };
}

/** plans made in this process, the most recent last */
const plans = new Map<string, BackbonePlan>();
const plansKept = 16;

/**
 * Loads the backbone once in this thread to learn its cut, feature size and memory needs,
 * then lets it go: the extraction workers hold their own copies.
 *
 * A plan depends on the model's files (their content hash, `model.key`), the cut, the pooling
 * and the input size alone, so this process keeps the ones it made: every run of a sweep, every
 * cut the Freeze step shows, loaded the whole network again to learn the same numbers (50–120
 * ms for MobileNetV2, 270–570 ms for Inception v3 here). Files changed on disk give a new key.
 */
export async function planBackbone(model: ResolvedModel, cutWanted: string | undefined, o: { pooling?: 'none' } = {}): Promise<BackbonePlan> {
  const key = JSON.stringify([model.key, model.format, cutWanted ?? null, o.pooling ?? null, model.preprocessing]);
  let plan = plans.get(key);
  if (plan) plans.delete(key);
  else plan = await makePlan(model, cutWanted, o);
  plans.set(key, plan);
  if (plans.size > plansKept) plans.delete(plans.keys().next().value!);
  return { ...plan, cutShape: [...plan.cutShape] };
}

async function makePlan(model: ResolvedModel, cutWanted: string | undefined, o: { pooling?: 'none' }): Promise<BackbonePlan> {
  const p: Preprocessing = model.preprocessing;
  const inputFloats = p.height * p.width * 3;
  if (model.format === 'graph') {
    const g = await loadGraphBackbone(model.dir);
    try {
      const shape = graphFeatureShape(g, p);
      const { dim, pooling } = featureDimOf(shape);
      const weightsBytes = Object.values(g.weights).reduce((s, ts) => s + ts.reduce((a, t) => a + t.size * 4, 0), 0);
      // a graph model hides its activations; MobileNet-like nets peak near 40× the input
      return {
        cut: g.outputs[0]?.name ?? 'output',
        cutShape: shape,
        pooling,
        featureDim: dim,
        weightsBytes,
        frozenParams: weightsBytes / 4,
        forwardMflops: null,
        peakActivationFloats: inputFloats * 40,
        inputFloats,
      };
    } finally {
      g.dispose();
    }
  }
  const m = await loadLayersBackbone(model.dir);
  try {
    const cut = cutWanted ?? defaultCut(m);
    requireLayer(m, cut);
    const cutShape = cutOutputShape(m, cut);
    // a fine-tuning split caches the layer's whole output: the layers above it need it all
    const { dim, pooling } = o.pooling === 'none' ? { dim: cutShape.reduce((a, b) => a * b, 1), pooling: 'none' as const } : featureDimOf(cutShape);
    let peak = inputFloats;
    for (const l of m.layers) {
      const s = l.outputShape as (number | null)[];
      if (Array.isArray(s) && !Array.isArray(s[0]))
        peak = Math.max(
          peak,
          s.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1),
        );
      if (l.name === cut) break;
    }
    const cutModel = tfl.model({ inputs: m.inputs, outputs: m.getLayer(cut).output as tfl.SymbolicTensor });
    const frozenParams = cutModel.countParams();
    const forwardMflops = Math.round(
      forwardFlops(
        m,
        cutModel.layers.map((l) => l.name),
      ) / 1e6,
    );
    return { cut, cutShape, pooling, featureDim: dim, weightsBytes: frozenParams * 4, frozenParams, forwardMflops, peakActivationFloats: peak, inputFloats };
  } finally {
    m.dispose();
    // loading created no lasting tensors beyond the model's own
    void tf.memory();
  }
}
