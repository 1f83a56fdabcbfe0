import path from 'node:path';
import { runDevices, describeDevices } from './devices';
import { defaultSplit, type DatasetImage, type DatasetScan, type SplitFractions } from '../../../shared/dataset';
import { TransferLabError } from '../../../shared/errors';
import type { EngineEvent } from '../../../shared/events';
import type { RunRecord, TrainConfig } from '../../../shared/run';
import { readTrainConfig } from '../../../shared/trainConfig';
import type { Preprocessing } from '../../../shared/preprocessing';
import { scanDataset } from '../dataset/scanDataset';
import type { ExtractorRuntime } from '../extract/protocol';
import { numTensors, rssMiB, startPeakSampler, type PeakSampler } from '../memory';
import { resolveModel } from '../models/resolveModel';
import { describeRetry } from '../models/download';
import { bottleneckCacheDir } from '../paths';
import { ensureConvolutionGradients, initBackend, type BackendPreference } from '../tf/backend';
import { trainHead } from '../train/trainHead';
import { chooseTrainingDevice, trainOnWebgpu, type TrainingDevice } from '../train/gpuTraining';
import { startWebgpuBackend } from '../tf/webgpu';
import { evaluateNet } from './evaluate';
import { openFineTune } from './fineTuneRun';
import { fineTunedNet } from '../train/net';
import { samplePerClass } from '../../../shared/sampling';
import { cachedFeatureSource } from './featureSource';
import { planBackbone } from './openBackbone';
import { prepareFeatures } from './prepareFeatures';
import { assertNewRunFolder, defaultRunDir, newRunId, writeRun } from './runFolder';
import { readCheckpoint, readRequest, removeCheckpoint, writeCheckpoint, writeRequest } from './checkpoint';
import { definedOnly, resumableAfterStop, stopIfAsked, stoppedTraining } from './stopRun';
import { holdForFault } from '../util/faultHold';

/** a new run names its dataset and model; a resumed one reads them from its folder */
export interface TrainRunOptions {
  dataset?: string;
  /** catalog id, model folder or http(s) address */
  model?: string;
  cut?: string;
  config?: Partial<TrainConfig>;
  split?: SplitFractions;
  preprocessing?: Partial<Preprocessing>;
  backend?: BackendPreference;
  extractor?: ExtractorRuntime;
  cacheDir?: string;
  modelCacheDir?: string;
  outDir?: string;
  workers?: number;
  extractBatchSize?: number;
  /** a stopped run's folder: train it on from its last checkpoint, with what it was asked */
  resume?: string | undefined;
  /** an already made scan of the same dataset (the app scans before training) */
  scan?: DatasetScan;
  onEvent?: (e: EngineEvent) => void;
  signal?: AbortSignal;
}

export interface TrainRunResult {
  runDir: string;
  record: RunRecord;
}

const since = (t: number) => (performance.now() - t) / 1000;

/** why training ended and which epoch's weights are kept: the cap is a bound, not the plan */
export function trainingEnd(r: { epochs: { epoch: number }[]; bestEpoch: number; stoppedEarly: boolean }, config: TrainConfig, hasVal: boolean): string {
  const watched = hasVal ? 'validation loss' : 'training loss (no validation images)';
  const last = r.epochs.at(-1)?.epoch ?? 0;
  const kept = r.bestEpoch === last ? `keeping epoch ${last}` : `keeping epoch ${r.bestEpoch}'s weights, where it was lowest`;
  if (r.stoppedEarly) return `stopped early after epoch ${last} of ${config.epochs}: the ${watched} had not improved for ${config.patience} epochs; ${kept}`;
  return `trained all ${last} epochs${config.patience > 0 && r.bestEpoch === last ? ' (still improving: more epochs may help)' : ''}; ${kept}`;
}

/**
 * The whole job: scan → model → bottleneck features (once per image, cached) → new head →
 * evaluation on the test split → a run folder. Every phase reports as it goes.
 */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  // this run's own peak, not the process's high-water mark from an earlier, bigger run
  const memory = startPeakSampler();
  try {
    return await runJob(options, memory);
  } finally {
    memory.stop();
  }
}

async function runJob(options: TrainRunOptions, memory: PeakSampler): Promise<TrainRunResult> {
  const send = options.onEvent ?? (() => undefined);
  // progress carries the memory and tensors too, so they show from the first phase, not from the first epoch
  const emit = (e: EngineEvent) => send(e.type === 'progress' ? { ...e, rssMiB: rssMiB(), numTensors: numTensors() } : e);
  // a resumed run is asked again what it was asked then, and goes on where it stopped
  const request = options.resume ? readRequest(options.resume) : null;
  const resumeFrom = options.resume ? readCheckpoint(options.resume) : null;
  // what it was asked comes from the request; where and how it ran too, unless told otherwise now
  const o = (
    request
      ? {
          ...request.runtime,
          ...definedOnly(options),
          dataset: request.dataset,
          model: request.model,
          ...(request.cut ? { cut: request.cut } : {}),
          config: request.config,
          split: request.split,
          preprocessing: request.preprocessing,
          outDir: options.resume!,
        }
      : options
  ) as TrainRunOptions & { dataset: string; model: string };
  if (!o.dataset || !o.model) throw new TransferLabError('BAD_ARGUMENT', 'A run needs a dataset folder and a model, or a stopped run to resume.');
  if (!request && o.outDir) assertNewRunFolder(path.resolve(o.outDir));
  if (request)
    emit({
      type: 'log',
      level: 'info',
      message: resumeFrom
        ? `resuming ${request.id} after epoch ${resumeFrom.epoch} of ${request.config.epochs}`
        : `restarting ${request.id}: it had not finished an epoch`,
    });
  const config = readTrainConfig(o.config);
  const tStart = performance.now();

  const backend = await initBackend(o.backend ?? 'auto');
  emit({ type: 'facts', backend: { name: backend.name, provider: backend.provider, reason: backend.reason } });

  emit({ type: 'phase', phase: 'scan', message: `scanning ${o.dataset}` });
  await holdForFault('scan', o.signal);
  let t = performance.now();
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
  const scanSeconds = since(t);
  for (const p of scan.problems) if (p.severity === 'error' || p.kind !== 'small-image') emit({ type: 'log', level: 'warn', message: p.message });
  if (scan.classes.length < 2)
    throw new TransferLabError(
      'DATASET_INVALID',
      `Training needs at least two classes with images; ${scan.root} has ${scan.classes.length}.`,
      'Put each class in its own sub-folder: dataset/<class>/<image>.',
    );

  stopIfAsked(o.signal, 'scanning the dataset');
  emit({ type: 'phase', phase: 'load-model', message: `loading model ${o.model}` });
  await holdForFault('load-model', o.signal);
  t = performance.now();
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
  const fine = config.fineTuneLayers > 0 ? await openFineTune(model, plan, config.fineTuneLayers) : null;
  const modelLoadSeconds = since(t);
  if (o.signal?.aborted) fine?.backbone.dispose();
  stopIfAsked(o.signal, 'loading the model');
  const id = request?.id ?? newRunId(model.name);
  const createdAt = request?.createdAt ?? new Date().toISOString();
  const runDir = path.resolve(o.outDir ?? defaultRunDir({ id }));
  const cacheRoot = path.resolve(o.cacheDir ?? bottleneckCacheDir());
  const runtime = definedOnly({
    backend: o.backend,
    extractor: o.extractor,
    workers: o.workers,
    extractBatchSize: o.extractBatchSize,
    cacheDir: cacheRoot,
    modelCacheDir: o.modelCacheDir && path.resolve(o.modelCacheDir),
  });
  await writeRequest(runDir, {
    formatVersion: 1,
    id,
    createdAt,
    dataset: o.dataset,
    model: o.model,
    cut: o.cut ?? null,
    config,
    split: o.split ?? defaultSplit,
    ...(o.preprocessing ? { preprocessing: o.preprocessing } : {}),
    runtime,
  });
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

  // "how many images are enough": a stable, nested subset of the training images only
  const trainAll = scan.images.filter((i) => i.split === 'train');
  const trainChosen = config.imagesPerClass === null ? trainAll : samplePerClass(trainAll, config.imagesPerClass, config.seed);
  const chosen = new Set(trainChosen);
  const wanted = scan.images.filter((i) => i.split !== 'train' || chosen.has(i));

  t = performance.now();
  const features = await resumableAfterStop(runDir, () =>
    prepareFeatures({
      root: scan.root,
      images: wanted,
      ...(config.augmentVariants > 0 ? { augment: { variants: config.augmentVariants, images: trainChosen } } : {}),
      model,
      plan: fine?.cachePlan ?? plan,
      cacheRoot,
      backend: backend.name,
      backendOnGpu: backend.gpu,
      runtime: o.extractor ?? 'auto',
      ...(o.workers ? { workers: o.workers } : {}),
      ...(o.extractBatchSize ? { batchSize: o.extractBatchSize } : {}),
      onEvent: emit,
      ...(o.signal ? { signal: o.signal } : {}),
    }),
  );
  const extractSeconds = since(t);
  const failedPaths = new Set(features.failed.map((f) => f.path));
  for (const f of features.failed) emit({ type: 'log', level: 'warn', message: `skipped ${f.path}: ${f.reason}` });
  const usable = wanted.filter((i) => !failedPaths.has(i.relPath));
  const bySplit = (s: DatasetImage['split']) => usable.filter((i) => i.split === s);
  const trainImages = bySplit('train');
  const valImages = bySplit('val');
  const testImages = bySplit('test');

  emit({
    type: 'phase',
    phase: 'train',
    message: `training a new head${fine ? ` and ${fine.record.layers.length} fine-tuned layers` : ''} on ${trainImages.length} images (${valImages.length} for validation)`,
  });
  t = performance.now();
  let lastCheckpoint = 0;
  // a resumed run's curves start with the epochs it had
  for (const m of resumeFrom?.epochs ?? []) emit({ type: 'epoch', ...m, epochs: config.epochs, rssMiB: rssMiB(), numTensors: numTensors() });
  // fine-tuning goes to the GPU where the frozen part went (or was sent) there
  let training: TrainingDevice | null = fine ? chooseTrainingDevice(o.extractor ?? 'auto', features.extractor) : null;
  if (training?.gpu) {
    try {
      const adapter = await startWebgpuBackend();
      emit({ type: 'log', level: 'info', message: `fine-tuning on TF.js's WebGPU backend (${adapter})` });
    } catch (e) {
      training = { gpu: false, why: `WebGPU: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` };
    }
  }
  if (training && !training.gpu) emit({ type: 'log', level: 'info', message: `fine-tuning off the GPU: ${training.why}` });
  const gradients = fine && !training?.gpu ? await ensureConvolutionGradients() : null;
  if (gradients?.switched) emit({ type: 'log', level: 'info', message: gradients.switched });
  try {
    const train = () =>
      trainHead({
        ...(fine
          ? { net: { headInputDim: plan.featureDim, wrap: (head) => fineTunedNet(fine.top, plan.pooling, head, config.fineTuneLearningRateFactor) } }
          : {}),
        classCount: scan.classes.length,
        config,
        train: cachedFeatureSource(features.cache, trainImages, { variants: config.augmentVariants, seed: config.seed }),
        val: valImages.length ? cachedFeatureSource(features.cache, valImages) : null,
        onEpoch: (m) => emit({ type: 'epoch', ...m, epochs: config.epochs, rssMiB: rssMiB(), numTensors: numTensors() }),
        onBatch: (p) =>
          emit({
            type: 'progress',
            phase: 'train',
            done: (p.epoch - 1) * p.batches + p.batch,
            total: p.epochs * p.batches,
            unit: 'samples',
            perSecond: p.samplesPerSecond,
            etaSeconds: p.etaSeconds,
            detail: `epoch ${p.epoch}/${p.epochs}`,
          }),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(resumeFrom ? { resume: resumeFrom } : {}),
        onCheckpoint: async (epoch, state, stopped) => {
          // a head trains hundreds of epochs a second: write at most once a second, the last, and at a stop
          if (!stopped && epoch < config.epochs && performance.now() - lastCheckpoint < 1000) return;
          lastCheckpoint = performance.now();
          const s = await state();
          if (stopped && epoch === 0 && !s.partial) return;
          await writeCheckpoint(runDir, epoch, s);
        },
      });
    const trained = training?.gpu ? await trainOnWebgpu(train) : await train();
    const trainSeconds = since(t);
    if (!trained.cancelled) emit({ type: 'log', level: 'info', message: trainingEnd(trained, config, valImages.length > 0) });
    if (trained.cancelled) {
      trained.net.dispose();
      fine?.backbone.dispose();
      throw stoppedTraining(runDir);
    }

    emit({ type: 'phase', phase: 'evaluate', message: `evaluating on ${testImages.length} test images` });
    await holdForFault('evaluate', o.signal);
    if (o.signal?.aborted) {
      // trained to the end, and its last epoch checkpointed: a resume only evaluates and writes
      trained.net.dispose();
      fine?.backbone.dispose();
      throw stoppedTraining(runDir, 'Stopped while evaluating');
    }
    t = performance.now();
    const { raw: _raw, ...evaluation } = evaluateNet(trained.net, cachedFeatureSource(features.cache, testImages), testImages, scan.classes);
    const evaluateSeconds = since(t);
    if (testImages.length === 0)
      emit({ type: 'log', level: 'warn', message: 'the test split is empty: accuracy cannot be measured (raise --test or add images)' });

    const extractorRecord: RunRecord['extractor'] = features.extractor
      ? {
          runtime: features.extractor.runtime,
          backend: features.extractor.backend,
          workers: features.extractor.workers,
          threads: features.extractor.threads,
          batchSize: features.extractor.batchSize,
          imagesPerSecond: features.imagesPerSecond,
          ...(features.extractor.fallbackReason ? { fallbackReason: features.extractor.fallbackReason } : {}),
          ...(features.extractor.deviceReason ? { deviceReason: features.extractor.deviceReason } : {}),
          ...(features.extractor.parityMaxDiff !== undefined ? { parityMaxDiff: features.extractor.parityMaxDiff } : {}),
        }
      : { runtime: 'cache', backend: backend.provider, workers: 0, batchSize: 0, imagesPerSecond: null };
    const devices = runDevices(
      backend,
      extractorRecord,
      features.extraction,
      fine ? { count: fine.record.layers.length, switched: gradients?.switched ?? null } : null,
      training,
    );
    emit({ type: 'log', level: 'info', message: `devices: ${describeDevices(devices)}` });
    const record: RunRecord = {
      formatVersion: 1,
      id,
      createdAt,
      dataset: {
        root: scan.root,
        classes: scan.classes,
        counts: { train: trainImages.length, val: valImages.length, test: testImages.length },
        split: scan.split,
      },
      model: {
        source: model.spec,
        name: model.name,
        key: model.key,
        format: model.format,
        cut: plan.cut,
        pooling: plan.pooling,
        featureDim: plan.featureDim,
        preprocessing: model.preprocessing,
        ...(fine ? { fineTune: fine.record } : {}),
        frozenParams: plan.frozenParams,
        forwardMflops: plan.forwardMflops,
      },
      config,
      backend: { name: backend.name, provider: backend.provider, reason: backend.reason },
      extractor: extractorRecord,
      extraction: features.extraction,
      devices,
      epochs: trained.epochs,
      bestEpoch: trained.bestEpoch,
      stoppedEarly: trained.stoppedEarly,
      evaluation,
      timings: { scanSeconds, modelLoadSeconds, extractSeconds, trainSeconds, evaluateSeconds, totalSeconds: since(tStart) },
      cache: { hits: features.hits, misses: features.misses, dir: features.cache.dir },
      skipped: [...scan.skipped, ...features.failed],
      peakRssMiB: memory.peakMiB(),
    };
    emit({ type: 'phase', phase: 'save', message: `writing ${runDir}` });
    try {
      await writeRun(runDir, record, trained.net);
      await removeCheckpoint(runDir);
    } finally {
      trained.net.dispose();
      fine?.backbone.dispose();
    }
    record.timings.totalSeconds = since(tStart);
    return { runDir, record };
  } finally {
    await gradients?.restore();
  }
}
