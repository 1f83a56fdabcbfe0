import fs from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { TransferLabError } from '../../../shared/errors';
import type { RunRecord } from '../../../shared/run';
import { fileSystemLoader, fileSystemSaver } from '../tf/fsModelIO';
import { writeFileAtomic } from '../util/atomicWrite';

/**
 * A run folder: run.json (config, per-epoch metrics, evaluation, timings, backend, memory)
 * and head/ (the trained classifier's weights). The head alone is small; the backbone is
 * referenced, not copied, until export makes one self-contained model.
 */
export const runFileName = 'run.json';

export function defaultRunDir(record: Pick<RunRecord, 'id'>, base = path.resolve('runs')): string {
  return path.join(base, record.id);
}

export function newRunId(modelName: string, date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  const slug = modelName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 32) || 'model';
  return `${stamp}-${slug}`;
}

export async function writeRun(dir: string, record: RunRecord, head: tfl.LayersModel): Promise<void> {
  await head.save(fileSystemSaver(path.join(dir, 'head')));
  // run.json last: a folder with run.json is a finished run
  await writeFileAtomic(path.join(dir, runFileName), JSON.stringify(record, null, 2));
}

export function readRun(dir: string): RunRecord {
  const file = path.join(dir, runFileName);
  if (!fs.existsSync(file)) {
    throw new TransferLabError('RUN_NOT_FOUND', `${dir} is not a run folder (no ${runFileName}).`, 'Give the folder that `transfer-lab train` printed as runDir.');
  }
  let record: RunRecord;
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
  } catch {
    throw new TransferLabError('RUN_INVALID', `${file} is damaged (not valid JSON).`, 'Train the run again; the bottleneck cache makes that quick.');
  }
  if (record.formatVersion !== 1 || !record.model || !record.dataset || !record.evaluation) {
    throw new TransferLabError('RUN_INVALID', `${file} is not a run record this version understands.`, 'Train the run again with this version.');
  }
  return record;
}

export async function readHead(dir: string): Promise<tfl.LayersModel> {
  try {
    return await tfl.loadLayersModel(fileSystemLoader(path.join(dir, 'head')));
  } catch (e) {
    if (e instanceof TransferLabError) throw new TransferLabError('RUN_INVALID', `The trained head in ${dir} cannot be read: ${e.message}`, 'Train the run again.');
    throw e;
  }
}
