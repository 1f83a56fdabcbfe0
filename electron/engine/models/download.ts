import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';
import { modelCacheDir } from '../paths';
import {
  bodyBytes,
  cancelledError,
  downloadFile,
  fetchResponse,
  networkError,
  statusError,
  throwIfCancelled,
  type HttpContext,
  type RetryNotice,
} from './httpFile';
import { expectedGroupBytes, parseModelJson, shardUrl, tfHubModelUrl, type WeightsGroup } from './manifest';
import { commitStaging, readModelSource, removeStaleStaging, resumable, type ModelSourceRecord } from './modelStaging';
import { makeDirs } from '../util/makeDirs';

export { readModelSource, type ModelSourceRecord } from './modelStaging';

export interface DownloadProgress {
  /** the file being fetched, as the weights manifest names it */
  file: string;
  bytesDone: number;
  bytesTotal: number | null;
  filesDone: number;
  filesTotal: number;
  /** set when this file is about to be tried again: why, and which attempt comes */
  retry?: RetryNotice;
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
  /** how long a server may take to answer, and a body may go without a byte; default 30 s each */
  answerTimeoutMs?: number;
  stallTimeoutMs?: number;
}

export interface DownloadedModel {
  /** a plain folder: model.json and its weight files, loadable offline */
  dir: string;
  fromCache: boolean;
}

const progressIntervalMs = 100;

/** one line for a retry about to happen, as the CLI and the app's log show it */
export function describeRetry(file: string, r: RetryNotice): string {
  return `download: retrying ${file} (attempt ${r.attempt} of ${r.attempts}) in ${(r.delayMs / 1000).toFixed(1)} s: ${r.reason}`;
}

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

export async function isModelCached(url: string, opts: { cacheDir?: string; fromTFHub?: boolean } = {}): Promise<boolean> {
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

  await removeStaleStaging(path.dirname(dir), `${dir}.staging`);
  const ctx: HttpContext = {
    fetchImpl: opts.fetchImpl ?? fetch,
    signal: opts.signal,
    answerTimeoutMs: opts.answerTimeoutMs,
    stallTimeoutMs: opts.stallTimeoutMs,
  };
  const modelUrl = modelJsonAddress(url, fromTFHub);
  const staging = `${dir}.staging`;

  const res = await fetchResponse(modelUrl, { headers: { accept: 'application/json, */*' } }, ctx);
  if (!res.ok) {
    await res.body?.cancel();
    throw statusError(modelUrl, res);
  }
  let bytes: Buffer;
  try {
    bytes = await bodyBytes(modelUrl, res, ctx);
  } catch (err) {
    if (ctx.signal?.aborted) throw cancelledError();
    if (err instanceof TransferLabError) throw err;
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
  try {
    await makeDirs(staging);
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
  } catch (err) {
    // what a stop or a failing connection left is kept for the next call to resume; after
    // anything else (a missing or damaged shard, a full disk) nothing of it is worth keeping
    if (!(await resumable(staging, err))) await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
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
    await makeDirs(path.dirname(dest));
    // a shard finished by an earlier, interrupted call is reused; the group total re-checks it
    let size = await fileSize(dest);
    if (size === null) {
      size = await downloadFile(shardUrl(modelUrl, rel), dest, {
        ...ctx,
        maxAttempts: opts.maxAttempts ?? 4,
        retryDelayMs: opts.retryDelayMs ?? 500,
        onBytes: (done, total) => progress.bytes(rel, done, total),
        onRetry: (r) => progress.retry(rel, r),
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

interface ProgressReporter {
  bytes(file: string, done: number, total: number | null): void;
  fileDone(file: string, size: number): void;
  retry(file: string, r: RetryNotice): void;
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
    retry(file, r) {
      onProgress?.({ file, bytesDone: 0, bytesTotal: null, filesDone, filesTotal, retry: r });
    },
  };
}
