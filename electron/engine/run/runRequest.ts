import path from 'node:path';
import { defaultSplit, type DatasetScan, type SplitFractions } from '../../../shared/dataset';
import { TransferLabError } from '../../../shared/errors';
import type { EngineEvent } from '../../../shared/events';
import type { TrainConfig } from '../../../shared/run';
import { readTrainConfig } from '../../../shared/trainConfig';
import type { Preprocessing } from '../../../shared/preprocessing';
import type { ExtractorRuntime } from '../extract/protocol';
import type { ResolvedModel } from '../models/resolveModel';
import { bottleneckCacheDir } from '../paths';
import type { BackendPreference } from '../tf/backend';
import type { TrainState } from '../train/trainHead';
import { readCheckpoint, readRequest, writeRequest, type RunRequest } from './checkpoint';
import type { RunResources } from './runResources';
import { assertNewRunFolder, defaultRunDir, newRunId } from './runFolder';
import { definedOnly } from './stopRun';

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

/** the options a run goes by once resolved: it has a dataset and a model */
export type RunOptions = TrainRunOptions & { dataset: string; model: string };

export type Emit = (e: EngineEvent) => void;

export const since = (t: number) => (performance.now() - t) / 1000;

/** what a run was asked, once resolved: the phases read it, and hand what they make to `resources` */
export interface RunContext {
  o: RunOptions;
  config: TrainConfig;
  /** the stopped run's request, when this one resumes it */
  request: RunRequest | null;
  /** the checkpoint a resumed run trains on from; null from the first epoch */
  resumeFrom: (TrainState & { epoch: number }) | null;
  emit: Emit;
  resources: RunResources;
}

/**
 * The options to run by: a resumed run is asked again what it was asked then, and goes on where
 * it stopped; where and how it ran comes from its request too, unless told otherwise now.
 */
export function resolveRequest(options: TrainRunOptions, emit: Emit, resources: RunResources): RunContext {
  const request = options.resume ? readRequest(options.resume) : null;
  const resumeFrom = options.resume ? readCheckpoint(options.resume) : null;
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
  ) as RunOptions;
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
  return { o, config: readTrainConfig(o.config), request, resumeFrom, emit, resources };
}

export interface RunFolder {
  id: string;
  createdAt: string;
  runDir: string;
  /** absolute, so a resume from another folder finds the same cache */
  cacheRoot: string;
}

/** names the run and writes what it was asked into its folder (request.json), so a stop can be resumed */
export async function openRunFolder(ctx: RunContext, model: ResolvedModel): Promise<RunFolder> {
  const { o, request, config } = ctx;
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
  return { id, createdAt, runDir, cacheRoot };
}
