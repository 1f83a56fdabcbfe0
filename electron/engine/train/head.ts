import * as tfl from '@tensorflow/tfjs-layers';
import type { HeadConfig } from '../../../shared/run';

/**
 * The new classifier on the bottleneck: optional hidden Dense + dropout, then softmax over
 * the user's classes. Initialisers are seeded, so the same seed gives the same run.
 */
export function buildHead(featureDim: number, classCount: number, cfg: HeadConfig, seed: number): tfl.Sequential {
  const head = tfl.sequential({ name: 'head' });
  let inputShape: number[] | undefined = [featureDim];
  if (cfg.hiddenUnits > 0) {
    head.add(
      tfl.layers.dense({ units: cfg.hiddenUnits, activation: 'relu', inputShape, name: 'head_hidden', kernelInitializer: tfl.initializers.heNormal({ seed }) }),
    );
    inputShape = undefined;
  }
  if (cfg.dropout > 0) {
    head.add(tfl.layers.dropout({ rate: cfg.dropout, seed: seed + 1, name: 'head_dropout', ...(inputShape ? { inputShape } : {}) }));
    inputShape = undefined;
  }
  head.add(
    tfl.layers.dense({
      units: classCount,
      activation: 'softmax',
      name: 'head_output',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }),
      ...(inputShape ? { inputShape } : {}),
    }),
  );
  return head;
}
