import fs from 'node:fs/promises';
import { TransferLabError } from '../../../shared/errors';
import {
  bodyChunks,
  cancelledError,
  fetchResponse,
  hostOf,
  InterruptedDownloadError,
  rootCause,
  StalledError,
  statusError,
  throwIfCancelled,
  type HttpContext,
} from './httpRequest';

export * from './httpRequest';

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const m = header ? /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header.trim()) : null;
  if (!m) return null;
  return { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

function unsatisfiedRangeTotal(header: string | null): number | null {
  const m = header ? /^bytes \*\/(\d+)$/.exec(header.trim()) : null;
  return m ? Number(m[1]) : null;
}

/** Content-Length counts encoded bytes, so it says nothing about the file once decoded. */
function plainLength(res: Response): number | null {
  const encoding = res.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return null;
  const len = res.headers.get('content-length');
  return len !== null && /^\d+$/.test(len) ? Number(len) : null;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** a retry about to happen, so the user sees why the download waits */
export interface RetryNotice {
  /** the attempt about to start, 2 for the first retry */
  attempt: number;
  attempts: number;
  /** what went wrong with the one before */
  reason: string;
  delayMs: number;
}

/** an error's message as the middle of a sentence */
const problemOf = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');

export interface FileDownloadOptions extends HttpContext {
  /** attempts in all, resumes included */
  maxAttempts: number;
  retryDelayMs: number;
  onBytes: (bytesDone: number, bytesTotal: number | null) => void;
  onRetry?: (r: RetryNotice) => void;
  /** request headers sent on every attempt (the Range header is added here) */
  headers?: Record<string, string>;
}

/**
 * Streams `url` into `dest` through `dest.part`, resuming from what the .part holds with a
 * Range request. The .part survives every failure so that a later call goes on from it;
 * `dest` only appears once the bytes received match what the server announced.
 */
export async function downloadFile(url: string, dest: string, opts: FileDownloadOptions): Promise<number> {
  const part = `${dest}.part`;
  let lastProblem = '';
  let lastTotal: number | null = null;
  let breaks = 0;
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    if (attempt > 1) {
      const delayMs = opts.retryDelayMs * (attempt - 1);
      opts.onRetry?.({ attempt, attempts: opts.maxAttempts, reason: lastProblem || 'the server could not resume the file: starting it over', delayMs });
      await sleep(delayMs, opts.signal);
    }
    throwIfCancelled(opts.signal);
    const offset = await sizeOf(part);
    const headers: Record<string, string> = { 'accept-encoding': 'identity', ...opts.headers };
    if (offset > 0) headers.range = `bytes=${offset}-`;

    let res: Response;
    try {
      res = await fetchResponse(url, { headers }, opts);
    } catch (err) {
      if (err instanceof TransferLabError && err.code === 'CANCELLED') throw err;
      lastProblem = problemOf(err);
      continue;
    }

    if (res.status === 416 && offset > 0) {
      await res.body?.cancel();
      const total = unsatisfiedRangeTotal(res.headers.get('content-range'));
      if (total === offset) {
        await fs.rename(part, dest);
        opts.onBytes(offset, offset);
        return offset;
      }
      await fs.rm(part, { force: true });
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      if (res.status >= 500 && attempt < opts.maxAttempts) {
        lastProblem = `the server answered ${res.status}`;
        continue;
      }
      throw statusError(url, res);
    }

    let start = 0;
    let total: number | null;
    if (res.status === 206) {
      const range = parseContentRange(res.headers.get('content-range'));
      if (!range || range.start !== offset) {
        // a range we did not ask for: safer to start over than to splice
        await res.body?.cancel();
        await fs.rm(part, { force: true });
        lastProblem = 'the server sent an unexpected range';
        continue;
      }
      start = offset;
      const len = plainLength(res);
      total = range.total ?? (len === null ? null : offset + len);
    } else {
      total = plainLength(res);
    }
    lastTotal = total;

    let received = start;
    const file = await fs.open(part, start > 0 ? 'a' : 'w');
    try {
      for await (const chunk of bodyChunks(url, res, opts)) {
        await file.write(chunk);
        received += chunk.byteLength;
        opts.onBytes(received, total);
      }
    } catch (err) {
      if (opts.signal?.aborted) throw cancelledError();
      breaks++;
      lastProblem = err instanceof StalledError ? problemOf(err) : `the connection broke off (${rootCause(err).message})`;
      continue;
    } finally {
      await file.close();
    }

    if (total !== null && received < total) {
      breaks++;
      lastProblem = `the connection ended after ${received} of ${total} bytes`;
      continue;
    }
    if (total !== null && received > total) {
      await fs.rm(part, { force: true });
      lastProblem = `the server sent ${received} bytes where it announced ${total}`;
      continue;
    }
    await fs.rename(part, dest);
    return received;
  }
  const kept = await sizeOf(part);
  const name = dest.split(/[\\/]/).pop() ?? dest;
  throw new InterruptedDownloadError(
    'DOWNLOAD_FAILED',
    `Downloading ${name} from ${hostOf(url)} failed after ${opts.maxAttempts} attempts` +
      `${breaks > 0 ? ` (it broke off ${breaks} times)` : ''}: ${lastProblem || 'no usable answer'}. ` +
      `${kept} of ${lastTotal ?? 'an unknown number of'} bytes are kept.`,
    'Try again: the download resumes where it stopped. If it keeps failing, the connection or the server is unreliable.',
  );
}
