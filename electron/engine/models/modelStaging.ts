import fs from 'node:fs/promises';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';
import { InterruptedDownloadError } from './httpFile';

/**
 * A model's cache folder and the staging folder it is downloaded into: a folder under its
 * final name is always complete (source.json says so); a staging folder is kept only while it
 * holds something to resume, and one nothing will resume is cleaned away.
 */

/** What `source.json` records of a finished download. Its presence marks the folder complete. */
export interface ModelSourceRecord {
  url: string;
  fromTFHub: boolean;
  /** the model.json address actually fetched */
  modelJsonUrl: string;
  downloadedAt: string;
  files: { path: string; bytes: number; sha256: string }[];
}

/** The folder's record if the folder is complete (every recorded file there, at its size), else null. */
export async function readModelSource(dir: string): Promise<ModelSourceRecord | null> {
  try {
    const record = JSON.parse(await fs.readFile(path.join(dir, 'source.json'), 'utf8')) as ModelSourceRecord;
    if (!Array.isArray(record.files) || !record.files.some((f) => f.path === 'model.json')) return null;
    for (const f of record.files) {
      if ((await fs.stat(path.join(dir, f.path))).size !== f.bytes) return null;
    }
    return record;
  } catch {
    return null;
  }
}

/** a staging folder untouched this long is an abandoned download, not one to resume */
const staleStagingMs = 24 * 3600 * 1000;

async function fileSize(file: string): Promise<number | null> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return null;
  }
}

/** whether a failed download's staging folder is worth keeping: interrupted, with bytes to resume from */
export async function resumable(staging: string, err: unknown): Promise<boolean> {
  const interrupted = err instanceof InterruptedDownloadError || (err instanceof TransferLabError && err.code === 'CANCELLED');
  if (!interrupted) return false;
  const names = await fs.readdir(staging, { recursive: true }).catch(() => [] as string[]);
  for (const name of names) {
    if (name === 'model.json') continue;
    if (((await fileSize(path.join(staging, name))) ?? 0) > 0) return true;
  }
  return false;
}

/**
 * Staging folders nothing will resume: those of a model that is complete under its final name
 * (a process ended between the two steps of the commit), and those untouched for a day. The
 * current address's own staging folder is left to resume.
 */
export async function removeStaleStaging(cacheRoot: string, keep: string): Promise<void> {
  const names = await fs.readdir(cacheRoot).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith('.staging')) continue;
    const staging = path.join(cacheRoot, name);
    if (staging === keep && !(await readModelSource(staging.slice(0, -'.staging'.length)))) continue;
    const latest = await latestChange(staging);
    if (latest === null) continue;
    if (Date.now() - latest > staleStagingMs || (await readModelSource(staging.slice(0, -'.staging'.length)))) {
      await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** when anything in a folder last changed (a .part grows without touching its folder) */
async function latestChange(dir: string): Promise<number | null> {
  try {
    let latest = (await fs.stat(dir)).mtimeMs;
    for (const name of await fs.readdir(dir, { recursive: true })) {
      const st = await fs.stat(path.join(dir, name)).catch(() => null);
      if (st) latest = Math.max(latest, st.mtimeMs);
    }
    return latest;
  } catch {
    return null;
  }
}

export async function commitStaging(staging: string, dir: string): Promise<string> {
  // a folder under the final name without a valid source.json is a leftover, never a model
  if (!(await readModelSource(dir))) await fs.rm(dir, { recursive: true, force: true });
  try {
    await fs.rename(staging, dir);
  } catch (err) {
    // another process may have finished the same model first
    if (await readModelSource(dir)) {
      await fs.rm(staging, { recursive: true, force: true });
      return dir;
    }
    throw err;
  }
  return dir;
}
