import { defaultSplit, type DatasetImage, type DatasetScan } from '../../../shared/dataset';
import { TransferLabError } from '../../../shared/errors';
import { samplePerClass } from '../../../shared/sampling';
import { scanDataset } from '../dataset/scanDataset';
import { describeRetry } from '../models/download';
import { resolveModel, type ResolvedModel } from '../models/resolveModel';
import type { BackendChoice } from '../tf/backend';
import { holdForFault } from '../util/faultHold';
import { openFineTune, type OpenFineTune } from './fineTuneRun';
import { planBackbone, type BackbonePlan } from './openBackbone';
import { prepareFeatures, type PreparedFeatures } from './prepareFeatures';
import { since, type RunContext, type RunFolder } from './runRequest';
import { resumableAfterStop, stopIfAsked } from './stopRun';

/** The phases before training: the dataset's images, the model and its split, the features of each image. */

export async function scanPhase({ o, emit }: RunContext): Promise<{ scan: DatasetScan; seconds: number }> {
  emit({ type: 'phase', phase: 'scan', message: `scanning ${o.dataset}` });
  await holdForFault('scan', o.signal);
  const t = performance.now();
  const scan =
    o.scan ??
    (await scanDataset(o.dataset, {
      split: o.split ?? defaultSplit,
      onProgress: (done, total) => emit({ type: 'progress', phase: 'scan', done, total, unit: 'files', perSecond: null, etaSeconds: null }),
      ...(o.signal ? { signal: o.signal } : {}),
    }).catch((e: unknown) => {
      stopIfAsked(o.signal, 'scanning the dataset');
      throw e;
    }));
  const seconds = since(t);
  for (const p of scan.problems) if (p.severity === 'error' || p.kind !== 'small-image') emit({ type: 'log', level: 'warn', message: p.message });
  if (scan.classes.length < 2)
    throw new TransferLabError(
      'DATASET_INVALID',
      `Training needs at least two classes with images; ${scan.root} has ${scan.classes.length}.`,
      'Put each class in its own sub-folder: dataset/<class>/<image>.',
    );
  stopIfAsked(o.signal, 'scanning the dataset');
  return { scan, seconds };
}

export interface LoadedModel {
  model: ResolvedModel;
  plan: BackbonePlan;
  /** the backbone split for fine-tuning; owned by the run's resources */
  fine: OpenFineTune | null;
  seconds: number;
}

export async function modelPhase({ o, config, emit, resources }: RunContext): Promise<LoadedModel> {
  emit({ type: 'phase', phase: 'load-model', message: `loading model ${o.model}` });
  await holdForFault('load-model', o.signal);
  const t = performance.now();
  const model = await resolveModel(o.model, {
    ...(o.modelCacheDir ? { cacheDir: o.modelCacheDir } : {}),
    ...(o.preprocessing ? { preprocessing: o.preprocessing } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onDownload: (p) =>
      p.retry
        ? emit({ type: 'log', level: 'warn', message: describeRetry(p.file, p.retry) })
        : emit({
            type: 'progress',
            phase: 'download',
            done: p.bytesDone,
            total: p.bytesTotal ?? 0,
            unit: 'bytes',
            perSecond: null,
            etaSeconds: null,
            detail: `${p.file} (${p.filesDone + 1}/${p.filesTotal})`,
          }),
  });
  const plan = await planBackbone(model, o.cut ?? model.catalog?.defaultCut);
  const fine = resources.ownFineTune(config.fineTuneLayers > 0 ? await openFineTune(model, plan, config.fineTuneLayers) : null);
  const seconds = since(t);
  stopIfAsked(o.signal, 'loading the model');
  return { model, plan, fine, seconds };
}

/** what the run is about to train on, said once the model is loaded */
export function describeModel({ config, emit }: RunContext, { model, plan, fine }: LoadedModel): void {
  emit({
    type: 'log',
    level: 'info',
    message: `model ${model.name} (${model.format}), bottleneck ${plan.cut} ${JSON.stringify(plan.cutShape)} → ${plan.featureDim} features${plan.pooling === 'avg' ? ' after global average pooling' : ''}`,
  });
  if (fine)
    emit({
      type: 'log',
      level: 'info',
      message: `fine-tuning ${fine.record.layers.length} layers above ${fine.record.split} (${fine.record.trainableParams.toLocaleString('en')} parameters, learning rate ×${config.fineTuneLearningRateFactor}); the cache holds ${fine.record.split}'s output ${JSON.stringify(fine.record.splitShape)}`,
    });
}

export interface RunFeatures {
  features: PreparedFeatures;
  /** the images with features, by split */
  train: DatasetImage[];
  val: DatasetImage[];
  test: DatasetImage[];
  seconds: number;
}

export async function featuresPhase(
  { o, config, emit }: RunContext,
  scan: DatasetScan,
  { model, plan, fine }: LoadedModel,
  backend: BackendChoice,
  folder: RunFolder,
): Promise<RunFeatures> {
  // "how many images are enough": a stable, nested subset of the training images only
  const trainAll = scan.images.filter((i) => i.split === 'train');
  const trainChosen = config.imagesPerClass === null ? trainAll : samplePerClass(trainAll, config.imagesPerClass, config.seed);
  const chosen = new Set(trainChosen);
  const wanted = scan.images.filter((i) => i.split !== 'train' || chosen.has(i));

  const t = performance.now();
  const features = await resumableAfterStop(folder.runDir, () =>
    prepareFeatures({
      root: scan.root,
      images: wanted,
      ...(config.augmentVariants > 0 ? { augment: { variants: config.augmentVariants, images: trainChosen } } : {}),
      model,
      plan: fine?.cachePlan ?? plan,
      cacheRoot: folder.cacheRoot,
      backend: backend.name,
      backendOnGpu: backend.gpu,
      runtime: o.extractor ?? 'auto',
      ...(o.workers ? { workers: o.workers } : {}),
      ...(o.extractBatchSize ? { batchSize: o.extractBatchSize } : {}),
      onEvent: emit,
      ...(o.signal ? { signal: o.signal } : {}),
    }),
  );
  const seconds = since(t);
  const failedPaths = new Set(features.failed.map((f) => f.path));
  for (const f of features.failed) emit({ type: 'log', level: 'warn', message: `skipped ${f.path}: ${f.reason}` });
  const usable = wanted.filter((i) => !failedPaths.has(i.relPath));
  const bySplit = (s: DatasetImage['split']) => usable.filter((i) => i.split === s);
  return { features, train: bySplit('train'), val: bySplit('val'), test: bySplit('test'), seconds };
}
