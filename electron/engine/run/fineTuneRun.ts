import type * as tfl from '@tensorflow/tfjs-layers';
import { TransferLabError } from '../../../shared/errors';
import type { FineTuneRecord } from '../../../shared/run';
import { loadLayersBackbone } from '../models/loadBackbone';
import type { ResolvedModel } from '../models/resolveModel';
import { buildTop, chooseSplit, trainableParams } from '../train/fineTune';
import { planBackbone, type BackbonePlan } from './openBackbone';

export interface OpenFineTune {
  /** the loaded backbone; the top shares its layers, so it lives until the run is written */
  backbone: tfl.LayersModel;
  top: tfl.LayersModel;
  /** what the cache holds: the split layer's whole output */
  cachePlan: BackbonePlan;
  record: FineTuneRecord;
}

/** Where to split the network for "fine-tune the top N layers", and the top model to train. */
export async function openFineTune(model: ResolvedModel, plan: BackbonePlan, layers: number): Promise<OpenFineTune> {
  if (model.format !== 'layers') {
    throw new TransferLabError(
      'UNSUPPORTED',
      `${model.name} is a graph model (TF Hub format): its layers are frozen as published and cannot be fine-tuned.`,
      'Train the head alone (fine-tune 0), or pick a Keras (layers) model.',
    );
  }
  const backbone = await loadLayersBackbone(model.dir);
  let top: tfl.LayersModel | null = null;
  try {
    const point = chooseSplit(backbone, plan.cut, layers);
    top = buildTop(backbone, point.split, plan.cut);
    const cachePlan = await planBackbone(model, point.split, { pooling: 'none' });
    return {
      backbone,
      top,
      cachePlan,
      record: { split: point.split, splitShape: cachePlan.cutShape, layers: point.trainable, trainableParams: trainableParams(top) },
    };
  } catch (e) {
    // the top shares the backbone's layers: their weights go only when both are disposed
    top?.dispose();
    backbone.dispose();
    throw e;
  }
}
