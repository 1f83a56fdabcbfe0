import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TransferLabError, type ErrorCode } from '../../../shared/errors';
import { coreCount } from '../frozen/onnx/onnxSession';
import type { FromWorker, ItemResult, JobItem, RuntimeName, StartSettings, ToWorker, WorkerInit } from './protocol';

/**
 * The extractor the bottleneck cache calls: a pool of worker threads, each with its own
 * runtime, fed batches of images. The runtime behind it (a compiled ONNX graph, TF.js's fused
 * graph, the plain TF.js model or graph model) is the worker's business (runners.ts).
 */
export interface ExtractorInfo {
  backend: string;
  runtime: RuntimeName;
  workers: number;
  /** threads of each worker's runtime, where it has its own (ONNX Runtime) */
  threads: number;
  batchSize: number;
  fallbackReason?: string;
  parityMaxDiff?: number;
}

export interface ExtractProgress {
  done: number;
  total: number;
  failed: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
}

export interface ExtractOutcome {
  extracted: number;
  failed: { hash: string; absPath: string; reason: string }[];
  seconds: number;
  decodeSeconds: number;
  inferSeconds: number;
}

/**
 * Where the worker's code is. From the sources it boots through tsx (extractWorker.boot.mjs).
 * The bundled desktop app and its packaged CLI have no tsx at run time: their build emits the
 * worker as a file of its own (out/main/extractWorker.js), and whoever starts them names it in
 * TRANSFER_LAB_EXTRACT_WORKER (Electron's main for the engine process, the CLI's wrapper).
 */
function workerUrl(): URL {
  const built = process.env.TRANSFER_LAB_EXTRACT_WORKER;
  return built ? pathToFileURL(built) : new URL('./extractWorker.boot.mjs', import.meta.url);
}

interface Slot {
  worker: Worker;
  inFlight: number;
}

export class ExtractorPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private batchSize: number;
  info!: ExtractorInfo;
  private onBackoff: ((size: number, reason: string) => void) | undefined;

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
   */
  static async start(
    base: Omit<WorkerInit, 'threads'> & { threads?: number },
    opts: { workers: number; batchSize: number; onBackoff?: (size: number, reason: string) => void },
  ): Promise<ExtractorPool> {
    const pool = new ExtractorPool(opts.batchSize);
    pool.onBackoff = opts.onBackoff;
    const workers = Math.max(1, opts.workers);
    const init: WorkerInit = { ...base, threads: base.threads ?? Math.max(1, Math.floor(coreCount() / workers)) };
    // the others boot alongside the first (a worker's start is most of a second) and wait
    // for what it settles on
    const first = pool.launch(init);
    const others = Array.from({ length: workers - 1 }, () => pool.launch({ ...init, deferred: true }));
    try {
      const ready = await first.ready;
      // the others take what the first settled on, so a fallback is not repeated in each; an
      // ONNX graph it compiled and checked they run as it is (no TF.js model, no second check:
      // on Inception v3 that is seconds of start and 400 MiB a worker)
      const runtime = ready.runtime === 'graph' ? 'tfjs' : ready.runtime;
      const settings: StartSettings = ready.compiled ? { runtime, compiled: ready.compiled, parityCheck: false } : { runtime, parityCheck: init.parityCheck };
      for (const o of others) o.worker.postMessage({ type: 'start', settings } satisfies ToWorker);
      await Promise.all(others.map((o) => o.ready));
      pool.info = {
        backend: ready.backend,
        runtime: ready.runtime,
        workers: pool.slots.length,
        threads: ready.runtime === 'onnx' ? init.threads : 1,
        batchSize: opts.batchSize,
        ...(ready.fallbackReason ? { fallbackReason: ready.fallbackReason } : {}),
        ...(ready.parityMaxDiff !== undefined ? { parityMaxDiff: ready.parityMaxDiff } : {}),
      };
    } catch (e) {
      await Promise.all([first, ...others].map((l) => l.stop()));
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** starts a worker; `ready` settles when it has its runtime (it joins the pool then) or has failed */
  private launch(init: WorkerInit): { worker: Worker; ready: Promise<Extract<FromWorker, { type: 'ready' }>>; stop(): Promise<void> } {
    const worker = new Worker(workerUrl(), { workerData: init, stdout: false, stderr: false });
    // only our own listeners come off again: Worker keeps internal ones on itself
    let detach = () => undefined as void;
    const ready = new Promise<Extract<FromWorker, { type: 'ready' }>>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === 'ready') resolve(m);
        else if (m.type === 'fatal') reject(new TransferLabError(m.error.code as ErrorCode, m.error.message, m.error.hint));
      };
      const onExit = (code: number) => reject(new TransferLabError('INTERNAL', `An extraction worker stopped while starting (exit code ${code}).`));
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', onExit);
      detach = () => {
        worker.off('message', onMessage);
        worker.off('error', reject);
        worker.off('exit', onExit);
      };
    }).then(
      (m) => {
        detach();
        this.slots.push({ worker, inFlight: 0 });
        return m;
      },
      async (e: unknown) => {
        detach();
        await worker.terminate();
        throw e;
      },
    );
    // a worker given up on while it starts: its failure is the one that stopped the pool, not news
    const stop = async () => {
      await Promise.all([ready.catch(() => undefined), worker.terminate()]);
    };
    return { worker, ready, stop };
  }

  /**
   * Streams the items through the workers, at most two batches in flight per worker (one
   * being inferred, the next being decoded), so memory stays flat in the number of images.
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
      if (total === 0) {
        resolve({ extracted: 0, failed, seconds: 0, decodeSeconds: 0, inferSeconds: 0 });
        return;
      }
      let settled = false;
      const detachers: (() => void)[] = [];
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        for (const off of detachers) off();
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve({ extracted: done - failed.length, failed, seconds: (performance.now() - t0) / 1000, decodeSeconds, inferSeconds });
      };
      const onAbort = () => finish(new TransferLabError('CANCELLED', 'Extraction was stopped.', 'Features extracted so far are kept in the cache; start again to continue.'));
      opts.signal?.addEventListener('abort', onAbort);
      const feed = (slot: Slot) => {
        while (slot.inFlight < 2 && next < total && !settled) {
          const batch = items.slice(next, next + this.batchSize);
          next += batch.length;
          slot.inFlight++;
          slot.worker.postMessage({ type: 'job', id: this.nextId++, items: batch });
        }
      };
      for (const slot of this.slots) {
        const onMessage = (m: FromWorker) => {
          if (m.type === 'done') {
            slot.inFlight--;
            decodeSeconds += m.decodeSeconds;
            inferSeconds += m.inferSeconds;
            for (const r of m.results as ItemResult[]) {
              done++;
              if (!r.ok) failed.push({ hash: r.hash, absPath: byHash.get(r.hash)?.absPath ?? '?', reason: r.reason ?? 'cannot decode' });
            }
            const elapsed = (performance.now() - t0) / 1000;
            const ips = done / Math.max(elapsed, 1e-3);
            opts.onProgress?.({ done, total, failed: failed.length, imagesPerSecond: ips, etaSeconds: ips > 0 ? (total - done) / ips : null });
            if (done >= total) finish();
            else feed(slot);
          } else if (m.type === 'backoff') {
            this.batchSize = Math.max(1, Math.min(this.batchSize, m.batchSize));
            this.onBackoff?.(m.batchSize, m.reason);
          } else if (m.type === 'fatal') {
            finish(new TransferLabError(m.error.code as ErrorCode, m.error.message, m.error.hint));
          }
        };
        const onError = (e: Error) => finish(new TransferLabError('INTERNAL', `An extraction worker failed: ${e.message}`));
        const onExit = (code: number) => finish(new TransferLabError(code === 0 ? 'INTERNAL' : 'OUT_OF_MEMORY', `An extraction worker ended unexpectedly (exit code ${code}).`, 'Try a smaller --extract-batch, or close other programs.'));
        slot.worker.on('message', onMessage);
        slot.worker.on('error', onError);
        slot.worker.on('exit', onExit);
        detachers.push(() => {
          slot.worker.off('message', onMessage);
          slot.worker.off('error', onError);
          slot.worker.off('exit', onExit);
        });
        feed(slot);
      }
    });
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
