import fs from 'node:fs';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';
import type { EngineEvent } from '../../../shared/events';
import type { Evaluation, RunRecord } from '../../../shared/run';
import { scanDataset } from '../dataset/scanDataset';
import { resolveModel, type ResolvedModel } from '../models/resolveModel';
import { bottleneckCacheDir } from '../paths';
import { initBackend, type BackendPreference } from '../tf/backend';
import { evaluateNet, type Predictions } from './evaluate';
import { cachedFeatureSource } from './featureSource';
import { planBackbone, type BackbonePlan } from './openBackbone';
import { prepareFeatures } from './prepareFeatures';
import { readNet, readRun } from './runFolder';
import type { DatasetImage, DatasetScan } from '../../../shared/dataset';

/** a run trained with its own --cache-dir evaluates from that cache too */
function recordedCacheRoot(record: RunRecord): string | null {
  const root = record.cache?.dir ? path.dirname(record.cache.dir) : null;
  return root && fs.existsSync(root) ? root : null;
}

/** where a saved run's features are: the cache it asks for, else the one it trained with, else the default */
export function runCacheRoot(record: RunRecord, asked?: string): string {
  return asked ?? recordedCacheRoot(record) ?? bottleneckCacheDir();
}

/** the run's model as it trained on it, and the backbone plan its head's features come from */
export async function runBackbone(record: RunRecord, emit: (e: EngineEvent) => void): Promise<{ model: ResolvedModel; plan: BackbonePlan }> {
  const model = await resolveModel(record.model.source, { preprocessing: record.model.preprocessing });
  if (model.key !== record.model.key) emit({ type: 'log', level: 'warn', message: `the model files at ${record.model.source} changed since the run` });
  const ft = record.model.fineTune;
  // a fine-tuned run reads the features at its split, below the layers it trained
  const plan = ft ? await planBackbone(model, ft.split, { pooling: 'none' }) : await planBackbone(model, record.model.cut);
  return { model, plan };
}

/**
 * A saved run's dataset scanned again: the split is a hash of each path, so it is the run's own
 * split. A folder that is gone, or whose classes changed, is refused with what to do.
 */
export async function rescanRunDataset(record: RunRecord, emit: (e: EngineEvent) => void, signal?: AbortSignal): Promise<DatasetScan> {
  if (!fs.existsSync(record.dataset.root)) {
    throw new TransferLabError(
      'DATASET_NOT_FOUND',
      `The run's dataset folder ${record.dataset.root} is gone.`,
      'Move the dataset back, or train again on its new location.',
    );
  }
  emit({ type: 'phase', phase: 'scan', message: `scanning ${record.dataset.root}` });
  const scan = await scanDataset(record.dataset.root, { split: record.dataset.split, ...(signal ? { signal } : {}) });
  const sameClasses = scan.classes.length === record.dataset.classes.length && scan.classes.every((c, i) => c === record.dataset.classes[i]);
  if (!sameClasses) {
    throw new TransferLabError(
      'DATASET_INVALID',
      `The dataset's classes changed since the run (${record.dataset.classes.join(', ')} → ${scan.classes.join(', ')}).`,
      'Train a new run on the dataset as it is now.',
    );
  }
  return scan;
}

export interface EvaluateRunOptions {
  backend?: BackendPreference;
  cacheDir?: string;
  onEvent?: (e: EngineEvent) => void;
  signal?: AbortSignal;
}

export interface EvaluatedRun {
  record: RunRecord;
  evaluation: Evaluation;
  testImages: DatasetImage[];
  predictions: Predictions;
}

/**
 * Evaluates a saved run's head on its test split again: rescans the dataset (the split is a
 * hash of each path, so it is the same split), takes features from the cache — extracting
 * only what is missing — and recomputes every metric.
 */
export async function evaluateRun(runDir: string, o: EvaluateRunOptions = {}): Promise<EvaluatedRun> {
  const record = readRun(runDir);
  const emit = o.onEvent ?? (() => undefined);
  const backend = await initBackend(o.backend ?? 'auto');
  const scan = await rescanRunDataset(record, emit, o.signal);
  const { model, plan } = await runBackbone(record, emit);
  const testAll = scan.images.filter((i) => i.split === 'test');
  const features = await prepareFeatures({
    root: scan.root,
    images: testAll,
    model,
    plan,
    cacheRoot: runCacheRoot(record, o.cacheDir),
    backend: backend.name,
    backendOnGpu: backend.gpu,
    runtime: 'auto',
    onEvent: emit,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const failed = new Set(features.failed.map((f) => f.path));
  const testImages = testAll.filter((i) => !failed.has(i.relPath));
  emit({ type: 'phase', phase: 'evaluate', message: `evaluating on ${testImages.length} test images` });
  const net = await readNet(runDir, record);
  try {
    const { raw: predictions, ...evaluation } = evaluateNet(net, cachedFeatureSource(features.cache, testImages), testImages, scan.classes);
    return { record, evaluation, testImages, predictions };
  } finally {
    net.dispose();
  }
}
