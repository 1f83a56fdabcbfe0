import fs from 'node:fs/promises';
import { TransferLabError } from '../../../shared/errors';

export interface HttpContext {
  fetchImpl: typeof fetch;
  signal?: AbortSignal | undefined;
}

const offlineHint =
  'Check the address and your network connection; models downloaded before stay available offline.';

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function cancelledError(): TransferLabError {
  return new TransferLabError(
    'CANCELLED',
    'The model download was cancelled.',
    'Start it again to resume: the parts already downloaded are kept.',
  );
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

/** undici hides the socket's reason one or two `cause`s deep (or in an AggregateError). */
function rootCause(err: unknown): { code?: string; message: string } {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof o.code === 'string') {
      return { code: o.code, message: typeof o.message === 'string' && o.message ? o.message : o.code };
    }
    if (Array.isArray(o.errors) && o.errors.length > 0) e = o.errors[0];
    else if (o.cause) e = o.cause;
    else break;
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message };
}

export function networkError(url: string, err: unknown): TransferLabError {
  const { message } = rootCause(err);
  return new TransferLabError('DOWNLOAD_FAILED', `Could not reach ${hostOf(url)}: ${message}.`, offlineHint, {
    cause: err,
  });
}

export function statusError(url: string, res: Response): TransferLabError {
  const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  const hint =
    res.status === 404 || res.status === 410
      ? 'Check the address: nothing is published there (any more).'
      : res.status === 401 || res.status === 403
        ? 'The server refused access: the model may have moved or need a sign-in the lab cannot give.'
        : 'The server may be having trouble: try again later.';
  return new TransferLabError('DOWNLOAD_FAILED', `Downloading ${url} failed: the server answered ${status}.`, hint);
}

/**
 * fetch with the lab's error vocabulary: a refused connection, a failed lookup or an abort
 * become the errors a user can act on instead of undici's "fetch failed".
 */
export async function fetchResponse(url: string, init: RequestInit, ctx: HttpContext): Promise<Response> {
  throwIfCancelled(ctx.signal);
  try {
    return await ctx.fetchImpl(url, { ...init, redirect: 'follow', signal: ctx.signal ?? null });
  } catch (err) {
    if (ctx.signal?.aborted) throw cancelledError();
    throw networkError(url, err);
  }
}

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

export interface FileDownloadOptions extends HttpContext {
  /** attempts in all, resumes included */
  maxAttempts: number;
  retryDelayMs: number;
  onBytes: (bytesDone: number, bytesTotal: number | null) => void;
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
    if (attempt > 1) await sleep(opts.retryDelayMs * (attempt - 1), opts.signal);
    throwIfCancelled(opts.signal);
    const offset = await sizeOf(part);
    const headers: Record<string, string> = { 'accept-encoding': 'identity', ...opts.headers };
    if (offset > 0) headers.range = `bytes=${offset}-`;

    let res: Response;
    try {
      res = await fetchResponse(url, { headers }, opts);
    } catch (err) {
      if (err instanceof TransferLabError && err.code === 'CANCELLED') throw err;
      if (attempt === opts.maxAttempts) throw err;
      lastProblem = err instanceof Error ? err.message : String(err);
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
      if (res.body) {
        for await (const chunk of res.body) {
          await file.write(chunk);
          received += chunk.byteLength;
          opts.onBytes(received, total);
        }
      }
    } catch (err) {
      if (opts.signal?.aborted) throw cancelledError();
      breaks++;
      lastProblem = `the connection broke off (${rootCause(err).message})`;
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
  throw new TransferLabError(
    'DOWNLOAD_FAILED',
    `Downloading ${name} from ${hostOf(url)} failed after ${opts.maxAttempts} attempts` +
      `${breaks > 0 ? ` (it broke off ${breaks} times)` : ''}: ${lastProblem || 'no usable answer'}. ` +
      `${kept} of ${lastTotal ?? 'an unknown number of'} bytes are kept.`,
    'Try again: the download resumes where it stopped. If it keeps failing, the connection or the server is unreliable.',
  );
}
