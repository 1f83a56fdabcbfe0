import type { EngineEvent } from '../../../shared/events';
import type { RunRecord } from '../../../shared/run';
import { numTensors, rssMiB } from '../memory';
import { initBackend } from '../tf/backend';
import { finishRun } from './finishRun';
import { RunResources } from './runResources';
import { describeModel, featuresPhase, modelPhase, scanPhase } from './runPhases';
import { progressGate } from './progressGate';
import { openRunFolder, resolveRequest, type TrainRunOptions } from './runRequest';
import { trainPhase } from './trainPhase';
import { warmExtraction } from '../extract/poolFacts';

export type { TrainRunOptions } from './runRequest';
export { trainingEnd } from './trainPhase';

export interface TrainRunResult {
  runDir: string;
  record: RunRecord;
}

/**
 * The whole job: scan → model → bottleneck features (once per image, cached) → new head →
 * evaluation on the test split → a run folder. Every phase reports as it goes, and hands what it
 * makes to the run's resources, which are freed here once, however the run ends.
 */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const resources = new RunResources();
  try {
    return await runJob(options, resources);
  } finally {
    await resources.dispose();
  }
}

async function runJob(options: TrainRunOptions, resources: RunResources): Promise<TrainRunResult> {
  const send = options.onEvent ?? (() => undefined);
  // progress carries the memory and tensors too, so they show from the first phase, not from the
  // first epoch; a phase's progress goes out ten times a second at most (progressGate.ts)
  const passes = progressGate();
  const emit = (e: EngineEvent) => {
    if (e.type !== 'progress') send(e);
    else if (passes(e)) send({ ...e, rssMiB: rssMiB(), numTensors: numTensors() });
  };
  const ctx = resolveRequest(options, emit, resources);
  const start = performance.now();
  // what the extraction's start needs is made while the dataset is scanned and the model loads
  warmExtraction(ctx.o.extractor ?? 'auto');

  const backend = await initBackend(ctx.o.backend ?? 'auto');
  emit({ type: 'facts', backend: { name: backend.name, provider: backend.provider, reason: backend.reason } });
  const { scan, seconds: scanSeconds } = await scanPhase(ctx);
  const loaded = await modelPhase(ctx);
  const folder = await openRunFolder(ctx, loaded.model);
  describeModel(ctx, loaded);
  const data = await featuresPhase(ctx, scan, loaded, backend, folder);
  const trained = await trainPhase(ctx, scan, loaded, data, folder.runDir);
  const timings = { start, scanSeconds, modelLoadSeconds: loaded.seconds, extractSeconds: data.seconds, trainSeconds: trained.seconds };
  const record = await finishRun(ctx, { backend, scan, loaded, data, trained, folder, timings });
  return { runDir: folder.runDir, record };
}
