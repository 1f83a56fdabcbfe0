import { TransferLabError, type ErrorCode } from '../../../shared/errors';
import { coreCount } from '../util/cores';
import type { FromWorker, ItemResult, JobItem, StartSettings, WorkerInit } from './protocol';
import { mayPrepareOnPool, prepareOnPool } from './prepareOnPool';
import { sharedCompiled } from './compiledRunner';
import { WorkerHandle } from './workerHandle';
import { workerEntry } from './workerEntry';
import { probeAdapter } from './adapterFacts';
import { quietWayland } from '../devices/quietWayland';
import { defaultCloseGraceMs, stoppedError, type ExtractOutcome, type ExtractProgress, type ExtractorInfo } from './poolFacts';
import { openGpuWindowChannel } from './gpuWindowLink';
import { gpuWindowBackend } from './gpuWindowProtocol';

/**
 * The extractor the bottleneck cache calls: a pool of worker threads, each with its own
 * runtime, fed batches of images. The runtime behind it (a compiled ONNX graph, TF.js's fused
 * graph, the plain TF.js model or graph model) is the worker's business (runners.ts).
 */
export class ExtractorPool {
  private slots: WorkerHandle[] = [];
  /** every worker started, the ones that failed to start included, until each has ended */
  private launched: WorkerHandle[] = [];
  private entry!: URL;
  private nextId = 1;
  private batchSize: number;
  private closeGraceMs = defaultCloseGraceMs;
  info!: ExtractorInfo;
  /** the first worker's TF.js backend, for the record should it leave the GPU window for the CPU */
  private cpuBackend = '';
  private switchedAtStart: Extract<FromWorker, { type: 'switched' }> | null = null;
  private onBackoff: ((size: number, reason: string) => void) | undefined;
  /** while an extraction runs: how it takes in a worker that has just joined, or learns one failed to start */
  private onJoin: ((w: WorkerHandle) => void) | null = null;
  private onJoinFailure: ((e: unknown) => void) | null = null;
  /** a worker that failed to start after the pool did: the next extraction fails with it */
  private startFailure: unknown = null;

  private constructor(batchSize: number) {
    this.batchSize = batchSize;
  }

  /**
   * Starts `workers` workers: the first picks the runtime (and compiles and checks the ONNX
   * graph), the others boot meanwhile and then run what it settled on. The cores are shared among them: ONNX Runtime gets cores / workers
   * threads in each, TF.js's wasm is single-threaded anyway. Measured here (2 cores, ONNX
   * Runtime, MobileNetV2): two workers of one thread extract about a tenth faster than one of
   * two threads — each decodes its next batch while the other infers, and no thread waits at
   * a barrier for a core busy decoding — so the memory plan decides, as for TF.js.
   * A stop (`signal`) while they start closes them once each has finished the step it is in.
   */
  static async start(
    base: Omit<WorkerInit, 'threads'> & { threads?: number },
    opts: { workers: number; batchSize: number; onBackoff?: (size: number, reason: string) => void; signal?: AbortSignal; closeGraceMs?: number },
  ): Promise<ExtractorPool> {
    const pool = new ExtractorPool(opts.batchSize);
    pool.onBackoff = opts.onBackoff;
    if (opts.closeGraceMs !== undefined) pool.closeGraceMs = opts.closeGraceMs;
    if (opts.signal?.aborted) throw stoppedError();
    const workers = Math.max(1, opts.workers);
    const init: WorkerInit = {
      ...base,
      threads: base.threads ?? Math.max(1, Math.floor(coreCount() / workers)),
      timing: { batch: Math.min(opts.batchSize, 32), workers },
    };
    let onAbort = () => undefined as void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(stoppedError());
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    pool.entry = await workerEntry();
    // a worker that loads Dawn reads the environment this thread sets, not its own copy of it
    if (init.runtime === 'auto' || init.runtime === 'webgpu') quietWayland();
    // the others boot alongside the first (a worker's start is most of a second) and wait
    // for what it settles on
    // in the desktop app, the first worker may run the frozen part in the app's GPU window
    const gpuPort = init.runtime === 'auto' || init.runtime === 'webgpu' ? openGpuWindowChannel() : null;
    // auto asks for the GPU adapter here, while the workers start (a child process, once per
    // process): the first worker gets the answer instead of probing itself
    const probe = init.runtime === 'auto' ? probeAdapter() : null;
    // a layers model's first extraction: this thread may compile the graph and compute the check's reference meanwhile
    const mayPrepare = !gpuPort && mayPrepareOnPool(init);
    const firstInit: WorkerInit = { ...init, ...(probe ? { adapterFromPool: true } : {}), ...(mayPrepare ? { deferred: 'first' as const } : {}) };
    const first = gpuPort ? pool.launch({ ...firstInit, gpuWindowPort: gpuPort }, [gpuPort]) : pool.launch(firstInit);
    const firstReady = pool.ready(first);
    firstReady.catch(() => undefined);
    void probe?.then((p) => first.post({ type: 'adapter', probe: p }));
    let others = Array.from({ length: workers - 1 }, () => pool.launch({ ...init, deferred: true }));
    /** the others, when they were given the graph this thread compiled: each one's ready, listened for from then on */
    let othersEarly: Promise<Extract<FromWorker, { type: 'ready' }>>[] | null = null;
    try {
      if (mayPrepare) {
        // every worker gets the graph as soon as it is compiled and readies ONNX Runtime; the
        // first then checks it against the reference this thread computes meanwhile
        let given = false;
        const reference = await Promise.race([
          prepareOnPool(
            init,
            (c) => {
              given = true;
              const compiled = sharedCompiled(c);
              first.post({ type: 'start', settings: { runtime: init.runtime, parityCheck: true, compiled, referenceFromPool: true } });
              for (const o of others) o.post({ type: 'start', settings: { runtime: 'onnx', compiled, parityCheck: false } });
              othersEarly = others.map((o) => pool.ready(o));
              for (const r of othersEarly) r.catch(() => undefined);
            },
            opts.signal,
          ),
          aborted,
        ]);
        if (given) first.post({ type: 'reference', reference });
        else first.post({ type: 'start', settings: { runtime: init.runtime, parityCheck: init.parityCheck } });
      }
      const ready = await Promise.race([firstReady, aborted]);
      if (gpuPort && ready.runtime === 'webgpu') {
        // one window, one GPU queue: the first worker alone feeds it (its decoding overlaps the GPU's work)
        await Promise.all(others.map((o) => o.close(pool.closeGraceMs)));
        others = [];
      }
      // the others take what the first settled on, so a fallback is not repeated in each; an
      // ONNX graph it compiled and checked they run as it is (no TF.js model, no second check:
      // on Inception v3 that is seconds of start and 400 MiB a worker)
      const runtime = ready.runtime === 'graph' ? 'tfjs' : ready.runtime;
      const settings: StartSettings = ready.compiled ? { runtime, compiled: ready.compiled, parityCheck: false } : { runtime, parityCheck: init.parityCheck };
      const earlyReady: Promise<Extract<FromWorker, { type: 'ready' }>>[] | null = othersEarly;
      if (earlyReady && !ready.compiled) {
        // they were given a graph the first did not keep (it failed the check): new ones, told what it settled on
        await Promise.all(others.map((o) => o.close(pool.closeGraceMs)));
        others = others.map(() => pool.launch({ ...init, deferred: true }));
      }
      const startedEarly = earlyReady && ready.compiled ? earlyReady : null;
      if (!startedEarly) for (const o of others) o.post({ type: 'start', settings });
      // extraction starts on the first worker at once; the others join as each is up
      pool.slots = [first];
      others.forEach((o, i) => pool.joinWhenReady(o, startedEarly?.[i]));
      pool.cpuBackend = ready.backend;
      pool.info = {
        backend: ready.engine ?? (gpuPort && ready.runtime === 'webgpu' ? gpuWindowBackend : ready.backend),
        runtime: ready.runtime,
        workers: 1 + others.length,
        threads: ready.runtime === 'onnx' ? init.threads : 1,
        batchSize: opts.batchSize,
        ...(ready.fallbackReason ? { fallbackReason: ready.fallbackReason } : {}),
        ...(ready.deviceReason ? { deviceReason: ready.deviceReason } : {}),
        ...(ready.compiledFromCache ? { compiledFromCache: true } : {}),
        ...(ready.parityMaxDiff !== undefined ? { parityMaxDiff: ready.parityMaxDiff } : {}),
        // the others load TF.js only where they do not run the first's compiled graph
        tfjsWorkers: (ready.tfBackend !== null ? 1 : 0) + (settings.compiled ? 0 : others.length),
      };
      const early = pool.switchedAtStart;
      if (early) pool.info = { ...pool.info, runtime: early.runtime, backend: ready.backend, fallbackReason: early.reason };
    } catch (e) {
      await pool.close();
      throw e;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    return pool;
  }

  /**
   * A worker that joins once it is up: fed from then on by the extraction running, if any. One
   * that fails to start fails the extraction running, or else the next one, as it would have
   * failed the pool's start.
   */
  private joinWhenReady(w: WorkerHandle, ready: Promise<unknown> = this.ready(w)): void {
    ready.then(
      () => {
        if (!this.launched.includes(w)) return;
        this.slots.push(w);
        this.onJoin?.(w);
      },
      (e: unknown) => {
        if (!this.launched.includes(w)) return;
        this.startFailure ??= e;
        this.onJoinFailure?.(e);
      },
    );
  }

  private launch(init: WorkerInit, transfer: ConstructorParameters<typeof WorkerHandle>[2] = []): WorkerHandle {
    const w = new WorkerHandle(this.entry, init, transfer);
    this.launched.push(w);
    return w;
  }

  /** settles when the worker has its runtime, or has failed to get it */
  private ready(w: WorkerHandle): Promise<Extract<FromWorker, { type: 'ready' }>> {
    let onMessage = (_: FromWorker) => undefined as void;
    return new Promise<Extract<FromWorker, { type: 'ready' }>>((resolve, reject) => {
      onMessage = (m: FromWorker) => {
        if (m.type === 'ready') resolve(m);
        // the GPU window died during the parity check: the worker already runs on the CPU
        else if (m.type === 'switched') this.switchedAtStart = m;
        else if (m.type === 'fatal') reject(new TransferLabError(m.error.code as ErrorCode, m.error.message, m.error.hint));
      };
      w.worker.on('message', onMessage);
      void w.exited.then((code) =>
        reject(new TransferLabError('INTERNAL', `An extraction worker stopped while starting (${w.error ? w.error.message : `exit code ${code}`}).`)),
      );
    }).finally(() => w.worker.off('message', onMessage));
  }

  /**
   * Streams the items through the workers, at most two batches in flight per worker (one
   * being inferred, the next being decoded), so memory stays flat in the number of images.
   * A stop, a failed batch (a full disk under the cache) or a worker that ends ends the
   * extraction between batches: every worker drops what it has queued and finishes the batch
   * it is running (its features are kept), and only then does this settle.
   */
  extract(items: JobItem[], opts: { onProgress?: (p: ExtractProgress) => void; signal?: AbortSignal } = {}): Promise<ExtractOutcome> {
    const t0 = performance.now();
    const byHash = new Map(items.map((i) => [i.hash, i]));
    const failed: ExtractOutcome['failed'] = [];
    let next = 0;
    let done = 0;
    let decodeSeconds = 0;
    let inferSeconds = 0;
    const total = items.length;
    return new Promise<ExtractOutcome>((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(stoppedError());
        return;
      }
      if (this.startFailure) {
        reject(this.startFailure);
        return;
      }
      if (total === 0) {
        resolve({ extracted: 0, failed, seconds: 0, decodeSeconds: 0, inferSeconds: 0 });
        return;
      }
      let settled = false;
      let stopping = false;
      const detachers: (() => void)[] = [];
      const settle = (err?: unknown) => {
        if (settled) return;
        settled = true;
        for (const off of detachers) off();
        this.onJoin = this.onJoinFailure = null;
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve({ extracted: done - failed.length, failed, seconds: (performance.now() - t0) / 1000, decodeSeconds, inferSeconds });
      };
      // the first reason to stop is the one reported; the others' batches still finish
      const stopAll = (err: unknown) => {
        if (stopping) return;
        stopping = true;
        void Promise.all(this.slots.map((w) => w.stop())).then(() => settle(err));
      };
      const onAbort = () => stopAll(stoppedError());
      opts.signal?.addEventListener('abort', onAbort);
      const feed = (w: WorkerHandle) => {
        while (w.inFlight < 2 && next < total && !stopping) {
          const batch = items.slice(next, next + this.batchSize);
          next += batch.length;
          w.inFlight++;
          w.post({ type: 'job', id: this.nextId++, items: batch });
        }
      };
      const attach = (w: WorkerHandle) => {
        const onMessage = (m: FromWorker) => {
          if (m.type === 'done') {
            w.inFlight--;
            decodeSeconds += m.decodeSeconds;
            inferSeconds += m.inferSeconds;
            for (const r of m.results as ItemResult[]) {
              done++;
              if (!r.ok) failed.push({ hash: r.hash, absPath: byHash.get(r.hash)?.absPath ?? '?', reason: r.reason ?? 'cannot decode' });
            }
            const elapsed = (performance.now() - t0) / 1000;
            const ips = done / Math.max(elapsed, 1e-3);
            opts.onProgress?.({ done, total, failed: failed.length, imagesPerSecond: ips, etaSeconds: ips > 0 ? (total - done) / ips : null });
            if (done >= total) settle();
            else feed(w);
          } else if (m.type === 'switched') {
            this.info = { ...this.info, runtime: m.runtime, backend: this.cpuBackend, fallbackReason: m.reason };
          } else if (m.type === 'backoff') {
            this.batchSize = Math.max(1, Math.min(this.batchSize, m.batchSize));
            this.onBackoff?.(m.batchSize, m.reason);
          } else if (m.type === 'fatal') {
            stopAll(new TransferLabError(m.error.code as ErrorCode, m.error.message, m.error.hint));
          }
        };
        const onExit = (code: number) => {
          if (settled) return;
          if (w.error) stopAll(new TransferLabError('INTERNAL', `An extraction worker failed: ${w.error.message}`));
          else
            stopAll(
              new TransferLabError(
                code === 0 ? 'INTERNAL' : 'OUT_OF_MEMORY',
                `An extraction worker ended unexpectedly (exit code ${code}).`,
                'Try a smaller --extract-batch, or close other programs.',
              ),
            );
        };
        w.worker.on('message', onMessage);
        void w.exited.then(onExit);
        detachers.push(() => w.worker.off('message', onMessage));
        feed(w);
      };
      for (const w of this.slots) attach(w);
      this.onJoin = attach;
      this.onJoinFailure = stopAll;
    });
  }

  /**
   * Ends every worker the pool started: each is asked to close, finishes the step it is in,
   * releases its runtime and ends on its own; this settles only when all have ended.
   * Reports how many had to be terminated after ignoring 'close' (none, in any normal run).
   */
  async close(): Promise<{ terminated: number }> {
    const all = this.launched;
    this.launched = [];
    this.slots = [];
    await Promise.all(all.map((w) => w.close(this.closeGraceMs)));
    return { terminated: all.filter((w) => w.terminated).length };
  }
}
