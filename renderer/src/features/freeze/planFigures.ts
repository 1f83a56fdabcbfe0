import type { DeepReadonly } from 'vue';
import type { FreezePlan, ModelInspection } from '../../api/types';
import { formatCount, formatShape } from '../../util/format';

/**
 * What the Freeze step's numbers add up to once fine-tuning is counted: the fine-tuned top
 * layers sit below the cut, so their parameters move from "frozen" to "trained", the cache
 * holds the split's output instead of the bottleneck's, and the training memory is the
 * fine-tune estimate (which already includes the head's).
 */
export function planTotals(plan: DeepReadonly<FreezePlan>): {
  frozen: number;
  headParams: number;
  tunedParams: number;
  trained: number;
  cacheBytesPerImage: number;
  trainMemoryMiB: number;
} {
  const ft = plan.fineTune;
  const tunedParams = ft?.trainableParams ?? 0;
  return {
    frozen: Math.max(0, plan.frozenParams - tunedParams),
    headParams: plan.trainableParams,
    tunedParams,
    trained: plan.trainableParams + tunedParams,
    cacheBytesPerImage: ft ? ft.cacheBytesPerImage : plan.cacheBytesPerImage,
    trainMemoryMiB: ft ? ft.trainMemoryMiB : plan.trainMemoryMiB,
  };
}

/** the features the head sees from a layer's output: a 3-D output is averaged over space, as the engine does */
function featuresOf(shape: readonly (number | null)[]): number | null {
  if (shape.some((d) => d === null)) return null;
  const dims = shape as number[];
  return dims.length === 3 ? dims[2]! : dims.reduce((a, b) => a * b, 1);
}

/**
 * The sentence about the bottleneck's size, true for the numbers shown: a lower cut keeps more
 * general features, but whether its bottleneck is bigger depends on the layer (pooled, a layer
 * gives as many features as it has channels: MobileNetV2's block_16_project gives 320, its
 * out_relu 1280), so the chosen cut is compared with the model's default by its numbers.
 */
export function bottleneckSentence(plan: DeepReadonly<FreezePlan>, inspection: DeepReadonly<ModelInspection> | null): string {
  const general = 'Cutting lower keeps more general features (edges, textures); cutting at the top keeps ImageNet’s most specific ones.';
  const def = inspection?.layers.find((l) => l.name === inspection.defaultCut);
  const defDim = def ? featuresOf(def.outputShape) : null;
  if (!def || defDim === null || def.name === plan.cut) {
    return `${general} A bottleneck’s size is its own layer’s, not its depth’s: ${plan.pooling === 'avg' ? 'averaged over space, a layer gives as many features as it has channels' : 'each value of the layer’s output is a feature'}, so compare the shapes in the list before cutting lower.`;
  }
  const here = plan.featureDim;
  // a flat output's shape is its feature count: say it once
  const shape = (s: readonly (number | null)[]) => (s.length > 1 ? ` (${formatShape(s)})` : '');
  const than =
    here === defDim
      ? `as many as ${def.name}’s ${formatCount(defDim)}${shape(def.outputShape)} at the model’s default cut`
      : `${here < defDim ? 'fewer' : 'more'} than ${def.name}’s ${formatCount(defDim)}${shape(def.outputShape)} at the model’s default cut: a cache ${ratio(here, defDim)} ${here < defDim ? 'smaller' : 'larger'}`;
  return `${general} Here ${plan.cut}${shape(plan.cutShape)} gives ${formatCount(here)} features an image, ${than}.`;
}

function ratio(a: number, b: number): string {
  const r = Math.max(a, b) / Math.max(1, Math.min(a, b));
  return `${r >= 10 ? Math.round(r) : r.toFixed(1).replace(/\.0$/, '')}×`;
}
