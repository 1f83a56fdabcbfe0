import { TransferLabError } from '../../../shared/errors';

/** One HTTP request with the lab's errors and timeouts; downloadFile (httpFile.ts) builds on it. */
export interface HttpContext {
  fetchImpl: typeof fetch;
  signal?: AbortSignal | undefined;
  /** how long a server may take to answer a request (its status and headers); default 30 s */
  answerTimeoutMs?: number | undefined;
  /** how long a body may go without a byte before it counts as stalled; default 30 s */
  stallTimeoutMs?: number | undefined;
}

/**
 * Our own network timeouts: undici's are five minutes each, so a server that accepted and never
 * answered was reported after 306 s, and a shard that stalled after 1,216 s (four tries).
 * TRANSFER_LAB_NETWORK_TIMEOUT_MS changes the default (a slow link, or a test).
 */
export function defaultNetworkTimeoutMs(): number {
  const env = Number(process.env.TRANSFER_LAB_NETWORK_TIMEOUT_MS);
  return Number.isFinite(env) && env > 0 ? env : 30_000;
}

const seconds = (ms: number) => `${Number((ms / 1000).toPrecision(3))} s`;

const waitHint = 'The server may be down or overloaded: try again later. Models downloaded before stay available offline.';

export function noAnswerError(url: string, ms: number): TransferLabError {
  return new TransferLabError('DOWNLOAD_FAILED', `${hostOf(url)} did not answer within ${seconds(ms)} (asked for ${url}).`, waitHint);
}

/**
 * A file that could not be had after every attempt: the connection or the server failed, not
 * the model, so what was received is kept for the next call to resume.
 */
export class InterruptedDownloadError extends TransferLabError {}

/** a body that went quiet: its own error, so a retry can say why it retries */
export class StalledError extends TransferLabError {
  constructor(url: string, ms: number) {
    super('DOWNLOAD_FAILED', `${hostOf(url)} stopped sending ${url}: no data for ${seconds(ms)}.`, waitHint);
  }
}

const offlineHint = 'Check the address and your network connection; models downloaded before stay available offline.';

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function cancelledError(): TransferLabError {
  return new TransferLabError('CANCELLED', 'The model download was cancelled.', 'Start it again to resume: the parts already downloaded are kept.');
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

/** undici hides the socket's reason one or two `cause`s deep (or in an AggregateError). */
export function rootCause(err: unknown): { code?: string; message: string } {
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
 * become the errors a user can act on instead of undici's "fetch failed", and a server that
 * does not answer within the answer timeout is an error that says so.
 */
export async function fetchResponse(url: string, init: RequestInit, ctx: HttpContext): Promise<Response> {
  throwIfCancelled(ctx.signal);
  const answerMs = ctx.answerTimeoutMs ?? defaultNetworkTimeoutMs();
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), answerMs);
  try {
    return await ctx.fetchImpl(url, { ...init, redirect: 'follow', signal: ctx.signal ? AbortSignal.any([ctx.signal, timeout.signal]) : timeout.signal });
  } catch (err) {
    if (ctx.signal?.aborted) throw cancelledError();
    if (timeout.signal.aborted) throw noAnswerError(url, answerMs);
    throw networkError(url, err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A response's body chunk by chunk; a gap of more than the stall timeout between two chunks
 * ends it with a StalledError (and closes the connection).
 */
export async function* bodyChunks(url: string, res: Response, ctx: HttpContext): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  const stallMs = ctx.stallTimeoutMs ?? defaultNetworkTimeoutMs();
  const reader = res.body.getReader();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), stallMs)));
      const next = await Promise.race([reader.read(), stalled]).finally(() => clearTimeout(timer));
      if (next === 'stalled') throw new StalledError(url, stallMs);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** the whole body, under the same stall timeout */
export async function bodyBytes(url: string, res: Response, ctx: HttpContext): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of bodyChunks(url, res, ctx)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
