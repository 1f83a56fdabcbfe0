import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';
import { finishedRunEntries, runLayout, type RunShape } from '../run/runLayout';
import { diskError } from '../util/atomicWrite';
import { makeDirs } from '../util/makeDirs';

/**
 * `<name>.tlab.d/` beside `<name>.tlab`: the project's trained weights, one finished run
 * folder per run under runs/, copied there by storeRunWeights.
 */
export function projectDataDir(projectFile: string): string {
  const file = path.resolve(projectFile);
  return path.join(path.dirname(file), `${path.basename(file)}.d`);
}

/** a run folder's record, just enough of it to know its layout, without TensorFlow */
function readRunShape(runDir: string): RunShape {
  const file = path.join(runDir, runLayout.record);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new TransferLabError(
      'RUN_NOT_FOUND',
      `${runDir} holds no finished run (no ${runLayout.record}).`,
      'Give the folder that training printed as runDir, once the run has finished.',
    );
  }
  try {
    const record = JSON.parse(text) as Partial<RunShape> | null;
    if (record && typeof record.model === 'object' && record.model !== null) return record as RunShape;
  } catch {
    // the same message as a record without a model
  }
  throw new TransferLabError('RUN_INVALID', `${file} is damaged.`, 'Train the run again; the bottleneck cache makes that quick.');
}

/**
 * Copies a finished run — every file and folder runLayout says one holds (head/, a fine-tuned
 * run's top/, run.json) — into `<name>.tlab.d/runs/<runId>/`, so the project keeps its
 * trained weights wherever the run was first written. Copied into a temporary folder and
 * renamed, so the stored run is complete or absent, never half there. Returns the
 * weightsDir to record, relative to the project file's folder.
 */
export async function storeRunWeights(projectFile: string, runDir: string, runId: string): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId) || runId.includes('..')) {
    throw new TransferLabError('BAD_ARGUMENT', `"${runId}" is not a run id that can name a folder.`, 'Use the id that training printed.');
  }
  const entries = finishedRunEntries(readRunShape(runDir));
  for (const entry of entries) {
    const kind = kindOf(path.join(runDir, entry.name));
    if (kind !== entry.kind) {
      throw new TransferLabError(
        'RUN_NOT_FOUND',
        `${runDir} is not a whole finished run: its ${entry.name}${entry.kind === 'folder' ? '/' : ''} is missing.`,
        'Train the run again; the bottleneck cache makes that quick.',
      );
    }
  }
  const runsDir = path.join(projectDataDir(projectFile), 'runs');
  const target = path.join(runsDir, runId);
  const stamp = `${process.pid}.${Date.now().toString(36)}`;
  const tmp = path.join(runsDir, `.${runId}.${stamp}.tmp`);
  const old = path.join(runsDir, `.${runId}.${stamp}.old`);
  try {
    await makeDirs(tmp);
    // in the layout's order: the record last
    for (const entry of entries) {
      const from = path.join(runDir, entry.name);
      const to = path.join(tmp, entry.name);
      if (entry.kind === 'folder') await copyTreeSynced(from, to);
      else await copyFileSynced(from, to);
    }
    await syncDirectory(tmp);
    // a run stored before (the same id again) is swapped out, never merged with
    const hadOld = fs.existsSync(target);
    if (hadOld) await fsp.rename(target, old);
    await fsp.rename(tmp, target);
    await syncDirectory(runsDir);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (fs.existsSync(old) && !fs.existsSync(target)) await fsp.rename(old, target).catch(() => undefined);
    throw diskError(e, target);
  }
  // the new run is in place; a leftover hidden .old folder would only cost space
  await fsp.rm(old, { recursive: true, force: true }).catch(() => undefined);
  return [`${path.basename(path.resolve(projectFile))}.d`, 'runs', runId].join('/');
}

function kindOf(p: string): 'file' | 'folder' | null {
  try {
    const s = fs.statSync(p);
    return s.isDirectory() ? 'folder' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

async function copyTreeSynced(from: string, to: string): Promise<void> {
  await makeDirs(to);
  for (const entry of await fsp.readdir(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) await copyTreeSynced(src, dst);
    else if (entry.isFile()) await copyFileSynced(src, dst);
  }
  await syncDirectory(to);
}

async function copyFileSynced(from: string, to: string): Promise<void> {
  await fsp.copyFile(from, to);
  const handle = await fsp.open(to, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * fsync a folder so a rename inside it survives a power cut. Not every platform lets a
 * folder be opened (Windows) or synced; there the rename is as durable as the OS makes it.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort, see above
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
