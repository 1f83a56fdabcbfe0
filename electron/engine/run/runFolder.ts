import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { TransferLabError } from '../../../shared/errors';
import type { RunRecord } from '../../../shared/run';
import { fileSystemLoader, fileSystemSaver } from '../tf/fsModelIO';
import { writeFileAtomic } from '../util/atomicWrite';
import { fineTunedNet, headNet, type ClassifierNet } from '../train/net';
import { inRunFolder, requestFileName } from './checkpoint';
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
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-');
  const slug =
    modelName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 32) || 'model';
  // a sweep finishes several runs a second: the suffix keeps their ids (and folders) apart
  return `${stamp}-${slug}-${crypto.randomBytes(3).toString('hex')}`;
}

/**
 * A new run never goes over what a folder holds: a finished run (its weights and record), a
 * stopped one (resumed with --resume, not restarted over its checkpoint), or files of the
 * user's. Only a new or empty folder is taken, as export takes only a new, empty or earlier
 * export's folder.
 */
export function assertNewRunFolder(dir: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new TransferLabError('BAD_ARGUMENT', `${dir} is a file, not a run folder.`, 'Choose a new or empty folder for --out.');
    throw e;
  }
  if (entries.includes(runFileName))
    throw new TransferLabError(
      'BAD_ARGUMENT',
      `${dir} already holds a finished run; training into it would overwrite its weights and record.`,
      'Choose a new or empty folder for --out (without --out, each run gets a new folder under ./runs).',
    );
  if (entries.includes(requestFileName))
    throw new TransferLabError(
      'BAD_ARGUMENT',
      `${dir} holds a stopped run.`,
      `Resume it with \`transfer-lab train --resume ${dir}\`, or choose a new or empty folder for --out.`,
    );
  if (entries.length)
    throw new TransferLabError(
      'BAD_ARGUMENT',
      `${dir} is not empty and is not a run folder.`,
      'Choose a new or empty folder for --out, so nothing of yours is overwritten.',
    );
}

export async function writeRun(dir: string, record: RunRecord, net: ClassifierNet): Promise<void> {
  await inRunFolder(dir, async () => {
    await net.head.save(fileSystemSaver(path.join(dir, runLayout.head)));
    // a fine-tuned run's top layers, with the weights they learnt
    if (net.top) await net.top.save(fileSystemSaver(path.join(dir, runLayout.top)));
    // run.json last: a folder with run.json is a finished run
    await writeFileAtomic(path.join(dir, runFileName), JSON.stringify(record, null, 2));
  });
}

/** whether a folder holds a finished run (its record is written last) */
export function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, runFileName));
}

export function readRun(dir: string): RunRecord {
  const file = path.join(dir, runFileName);
  if (!isRunFolder(dir)) {
    throw new TransferLabError(
      'RUN_NOT_FOUND',
      `${dir} is not a run folder (no ${runFileName}).`,
      'Give the folder that `transfer-lab train` printed as runDir.',
    );
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
    if (e instanceof TransferLabError)
      throw new TransferLabError(
        'RUN_INVALID',
        `The trained ${part === 'head' ? 'head' : 'top layers'} in ${dir} cannot be read: ${e.message}`,
        'Train the run again.',
      );
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
