import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';
import { modelCacheDir } from '../paths';
import {
  cancelledError,
  downloadFile,
  fetchResponse,
  networkError,
  statusError,
  throwIfCancelled,
  type HttpContext,
} from './httpFile';
import { expectedGroupBytes, parseModelJson, shardUrl, tfHubModelUrl, type WeightsGroup } from './manifest';

export interface DownloadProgress {
  /** the file being fetched, as the weights manifest names it */
  file: string;
  bytesDone: number;
  bytesTotal: number | null;
  filesDone: number;
  filesTotal: number;
}

export interface DownloadModelOptions {
  /** default: modelCacheDir() */
  cacheDir?: string;
  /** treat `url` as a TF Hub / Kaggle handle, the way tfjs's loadGraphModel does */
  fromTFHub?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  /** attempts per file, resumes included; default 4 (the first and three retries) */
  maxAttempts?: number;
  /** pause before the n-th retry is n times this; default 500 ms */
  retryDelayMs?: number;
}

export interface DownloadedModel {
  /** a plain folder: model.json and its weight files, loadable offline */
  dir: string;
  fromCache: boolean;
}

/** What `source.json` records of a finished download. Its presence marks the folder complete. */
export interface ModelSourceRecord {
  url: string;
  fromTFHub: boolean;
  /** the model.json address actually fetched */
  modelJsonUrl: string;
  downloadedAt: string;
  files: { path: string; bytes: number; sha256: string }[];
}

const progressIntervalMs = 100;

export function modelJsonAddress(url: string, fromTFHub = false): string {
  return fromTFHub ? tfHubModelUrl(url) : url;
}

/**
 * The cache folder of an address. It is keyed by the model.json address actually fetched, so
 * a handle read with and without fromTFHub cannot share (and spoil) one folder.
 */
export function modelCacheFolder(url: string, opts: { cacheDir?: string; fromTFHub?: boolean } = {}): string {
  const key = createHash('sha256').update(modelJsonAddress(url, opts.fromTFHub)).digest('hex').slice(0, 16);
  return path.join(opts.cacheDir ?? modelCacheDir(), key);
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

export async function isModelCached(
  url: string,
  opts: { cacheDir?: string; fromTFHub?: boolean } = {},
): Promise<boolean> {
  return (await readModelSource(modelCacheFolder(url, opts))) !== null;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fileSize(file: string): Promise<number | null> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return null;
  }
}

function checkAddress(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TransferLabError('BAD_ARGUMENT', `"${url}" is not a web address.`, 'Give an https:// address of a model.json file or a TF Hub handle.');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TransferLabError('BAD_ARGUMENT', `"${url}" is not an http(s) address.`, 'To use a model on this computer, open its folder instead.');
  }
}

/**
 * Makes the TF.js model at `url` available offline as a plain folder. Everything lands in
 * `<dir>.staging` first; only when every file is there and the weights add up to what the
 * manifest says is the staging folder renamed into place, so a folder under its final name
 * is always complete. Interrupted shards stay in staging as `.part` files for the next call.
 */
export async function downloadModel(url: string, opts: DownloadModelOptions = {}): Promise<DownloadedModel> {
  checkAddress(url);
  const fromTFHub = opts.fromTFHub ?? false;
  const dir = modelCacheFolder(url, { cacheDir: opts.cacheDir, fromTFHub });
  if (await readModelSource(dir)) return { dir, fromCache: true };

  const ctx: HttpContext = { fetchImpl: opts.fetchImpl ?? fetch, signal: opts.signal };
  const modelUrl = modelJsonAddress(url, fromTFHub);
  const staging = `${dir}.staging`;

  const res = await fetchResponse(modelUrl, { headers: { accept: 'application/json, */*' } }, ctx);
  if (!res.ok) {
    await res.body?.cancel();
    throw statusError(modelUrl, res);
  }
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    if (ctx.signal?.aborted) throw cancelledError();
    throw networkError(modelUrl, err);
  }
  let info: ReturnType<typeof parseModelJson>;
  try {
    info = parseModelJson(new TextDecoder().decode(bytes), url, res.headers.get('content-type'));
  } catch (err) {
    // nothing from an earlier try at this address can be worth keeping now
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }

  // shards left from a different model.json (the publisher changed it) must not be mixed in
  const stagedJson = await fs.readFile(path.join(staging, 'model.json')).catch(() => null);
  if (stagedJson && !stagedJson.equals(bytes)) await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true });
  await fs.writeFile(path.join(staging, 'model.json'), bytes);

  const filesTotal = 1 + info.groups.reduce((n, g) => n + g.paths.length, 0);
  const progress = progressReporter(opts.onProgress, filesTotal);
  progress.fileDone('model.json', bytes.length);

  for (const group of info.groups) {
    await downloadGroup(group, modelUrl, staging, opts, ctx, progress);
  }

  const files: ModelSourceRecord['files'] = [];
  for (const rel of ['model.json', ...info.groups.flatMap((g) => g.paths)]) {
    const file = path.join(staging, rel);
    files.push({ path: rel, bytes: (await fs.stat(file)).size, sha256: await sha256File(file) });
  }
  throwIfCancelled(ctx.signal);
  const record: ModelSourceRecord = { url, fromTFHub, modelJsonUrl: modelUrl, downloadedAt: new Date().toISOString(), files };
  const handle = await fs.open(path.join(staging, 'source.json'), 'w');
  try {
    await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { dir: await commitStaging(staging, dir), fromCache: false };
}

async function downloadGroup(
  group: WeightsGroup,
  modelUrl: string,
  staging: string,
  opts: DownloadModelOptions,
  ctx: HttpContext,
  progress: ProgressReporter,
): Promise<void> {
  let groupBytes = 0;
  for (const rel of group.paths) {
    const dest = path.join(staging, rel);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    // a shard finished by an earlier, interrupted call is reused; the group total re-checks it
    let size = await fileSize(dest);
    if (size === null) {
      size = await downloadFile(shardUrl(modelUrl, rel), dest, {
        ...ctx,
        maxAttempts: opts.maxAttempts ?? 4,
        retryDelayMs: opts.retryDelayMs ?? 500,
        onBytes: (done, total) => progress.bytes(rel, done, total),
      });
    }
    groupBytes += size;
    progress.fileDone(rel, size);
  }
  const expected = expectedGroupBytes(group);
  if (expected !== null && expected !== groupBytes) {
    // keeping them would make every later call fail the same way
    await Promise.all(group.paths.map((rel) => fs.rm(path.join(staging, rel), { force: true })));
    throw new TransferLabError(
      'DOWNLOAD_FAILED',
      `The weight files ${group.paths.join(', ')} hold ${groupBytes} bytes, but the model's weights ` +
        `manifest needs ${expected}: the download is damaged or the published model is inconsistent.`,
      'Try again later; if it fails the same way, the model at this address is broken.',
    );
  }
}

async function commitStaging(staging: string, dir: string): Promise<string> {
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

interface ProgressReporter {
  bytes(file: string, done: number, total: number | null): void;
  fileDone(file: string, size: number): void;
}

/** Chunks arrive hundreds of times a second; a UI needs about ten updates. */
function progressReporter(onProgress: DownloadModelOptions['onProgress'], filesTotal: number): ProgressReporter {
  let filesDone = 0;
  let last = 0;
  let lastFile = '';
  return {
    bytes(file, done, total) {
      const now = Date.now();
      // the first chunk of each file always shows, so a stalled file is never invisible
      if (!onProgress || (file === lastFile && now - last < progressIntervalMs)) return;
      last = now;
      lastFile = file;
      onProgress({ file, bytesDone: done, bytesTotal: total, filesDone, filesTotal });
    },
    fileDone(file, size) {
      filesDone++;
      last = Date.now();
      onProgress?.({ file, bytesDone: size, bytesTotal: size, filesDone, filesTotal });
    },
  };
}
