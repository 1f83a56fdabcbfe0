import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { TransferLabError } from '../../../shared/errors';
import type { RunRecord } from '../../../shared/run';
import { fileSystemLoader, fileSystemSaver } from '../tf/fsModelIO';
import { writeFileAtomic } from '../util/atomicWrite';
import { fineTunedNet, headNet, type ClassifierNet } from '../train/net';
import { runLayout, type RunPart } from './runLayout';

/**
 * Writing and reading a run folder (its layout: runLayout.ts). Head and top are small; the
 * backbone is referenced, not copied, until export makes one self-contained model.
 */
export const runFileName = runLayout.record;

export function defaultRunDir(record: Pick<RunRecord, 'id'>, base = path.resolve('runs')): string {
  return path.join(base, record.id);
}

export function newRunId(modelName: string, date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  const slug = modelName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 32) || 'model';
  // a sweep finishes several runs a second: the suffix keeps their ids (and folders) apart
  return `${stamp}-${slug}-${crypto.randomBytes(3).toString('hex')}`;
}

export async function writeRun(dir: string, record: RunRecord, net: ClassifierNet): Promise<void> {
  await net.head.save(fileSystemSaver(path.join(dir, runLayout.head)));
  if (net.top) await net.top.save(fileSystemSaver(path.join(dir, runLayout.top)));
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

async function readPart(dir: string, part: RunPart): Promise<tfl.LayersModel> {
  try {
    return await tfl.loadLayersModel(fileSystemLoader(path.join(dir, runLayout[part])));
  } catch (e) {
    if (e instanceof TransferLabError) throw new TransferLabError('RUN_INVALID', `The trained ${part === 'head' ? 'head' : 'top layers'} in ${dir} cannot be read: ${e.message}`, 'Train the run again.');
    throw e;
  }
}

export function readHead(dir: string): Promise<tfl.LayersModel> {
  return readPart(dir, 'head');
}

/** the fine-tuned top layers of a run, or null for a head-only run */
export async function readTop(dir: string, record: RunRecord): Promise<tfl.LayersModel | null> {
  return record.model.fineTune ? readPart(dir, 'top') : null;
}

/** what the run trained, ready to predict from its cached features */
export async function readNet(dir: string, record: RunRecord): Promise<ClassifierNet> {
  const head = (await readHead(dir)) as tfl.Sequential;
  const top = await readTop(dir, record).catch((e: unknown) => {
    head.dispose();
    throw e;
  });
  return top ? fineTunedNet(top, record.model.pooling, head, record.config.fineTuneLearningRateFactor) : headNet(head);
}
