import type { DatasetScan } from '../../../shared/dataset';
import type { RunRecord } from '../../../shared/run';
import type { BackendChoice } from '../tf/backend';
import { holdForFault } from '../util/faultHold';
import { removeCheckpoint } from './checkpoint';
import { runDevices } from './devices';
import { evaluateNet } from './evaluate';
import { cachedFeatureSource } from './featureSource';
import type { LoadedModel, RunFeatures } from './runPhases';
import { writeRun } from './runFolder';
import { since, type RunContext, type RunFolder } from './runRequest';
import { stoppedTraining } from './stopRun';
import type { Trained } from './trainPhase';

/** what the earlier phases made, and how long each took */
export interface TrainedRun {
  backend: BackendChoice;
  scan: DatasetScan;
  loaded: LoadedModel;
  data: RunFeatures;
  trained: Trained;
  folder: RunFolder;
  /** `start`: when the run began (performance.now()) */
  timings: { start: number; scanSeconds: number; modelLoadSeconds: number; extractSeconds: number; trainSeconds: number };
}

/** the extractor that ran, or the cache when every feature was there already */
function extractorRecord(data: RunFeatures, backend: BackendChoice): RunRecord['extractor'] {
  const { extractor } = data.features;
  if (!extractor) return { runtime: 'cache', backend: backend.provider, workers: 0, batchSize: 0, imagesPerSecond: null };
  return {
    runtime: extractor.runtime,
    backend: extractor.backend,
    workers: extractor.workers,
    threads: extractor.threads,
    batchSize: extractor.batchSize,
    imagesPerSecond: data.features.imagesPerSecond,
    ...(extractor.fallbackReason ? { fallbackReason: extractor.fallbackReason } : {}),
    ...(extractor.deviceReason ? { deviceReason: extractor.deviceReason } : {}),
    ...(extractor.parityMaxDiff !== undefined ? { parityMaxDiff: extractor.parityMaxDiff } : {}),
    ...(extractor.compiledFromCache ? { compiledFromCache: true } : {}),
  };
}

/**
 * The trained net on the test split, then the run folder: the head (and top), run.json last,
 * and the checkpoint gone, since a finished run is not resumed.
 */
export async function finishRun(ctx: RunContext, run: TrainedRun): Promise<RunRecord> {
  const { o, config, emit, resources } = ctx;
  const { backend, scan, loaded, data, trained, folder, timings } = run;
  const { model, plan, fine } = loaded;
  const { features } = data;
  const { runDir } = folder;
  const net = trained.result.net;
  emit({ type: 'phase', phase: 'evaluate', message: `evaluating on ${data.test.length} test images` });
  await holdForFault('evaluate', o.signal);
  // trained to the end, and its last epoch checkpointed: a resume only evaluates and writes
  if (o.signal?.aborted) throw stoppedTraining(runDir, 'Stopped while evaluating');
  const t = performance.now();
  const { raw: _raw, ...evaluation } = evaluateNet(net, cachedFeatureSource(features.cache, data.test), data.test, scan.classes);
  const evaluateSeconds = since(t);
  if (data.test.length === 0)
    emit({ type: 'log', level: 'warn', message: 'the test split is empty: accuracy cannot be measured (raise --test or add images)' });

  const extractor = extractorRecord(data, backend);
  const devices = runDevices(
    backend,
    extractor,
    features.extraction,
    fine ? { count: fine.record.layers.length, switched: trained.gradientsSwitched, threads: trained.threads } : null,
    trained.training,
  );
  emit({ type: 'facts', devices });
  const { start, ...phaseSeconds } = timings;
  const record: RunRecord = {
    formatVersion: 1,
    id: folder.id,
    createdAt: folder.createdAt,
    dataset: {
      root: scan.root,
      classes: scan.classes,
      counts: { train: data.train.length, val: data.val.length, test: data.test.length },
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
    extractor,
    extraction: features.extraction,
    devices,
    epochs: trained.result.epochs,
    bestEpoch: trained.result.bestEpoch,
    stoppedEarly: trained.result.stoppedEarly,
    evaluation,
    timings: { ...phaseSeconds, evaluateSeconds, totalSeconds: since(start) },
    cache: { hits: features.hits, misses: features.misses, dir: features.cache.dir },
    skipped: [...scan.skipped, ...features.failed],
    peakRssMiB: resources.memory.peakMiB(),
    rssAtStartMiB: resources.memory.startMiB,
  };
  emit({ type: 'phase', phase: 'save', message: `writing ${runDir}` });
  await writeRun(runDir, record, net);
  await removeCheckpoint(runDir);
  record.timings.totalSeconds = since(start);
  return record;
}
