import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { coreCount, fineTuneThreads } from '../util/cores';
import type { FromGradientWorker, GradientWorkerData, ToGradientWorker } from './gradientProtocol';
import { combineShards, shardGradients, type Batch, type BatchGradients, type ShardGradients } from './gradients';
import type { BatchRows } from './head';

/**
 * Data-parallel fine-tuning on the CPU. TF.js's wasm backend runs its kernels on one core (its
 * threaded build does not run in Node), so fine-tuning left every other core idle. Here each
 * batch is cut into shards: this thread computes the first one's gradients while worker threads
 * (gradientWorker.ts, each with its own wasm instance and the same net) compute the others';
 * the batch's gradient is the shards' weighted by their share of the images, and the optimizers
 * step on this thread as before. BatchNorm in the fine-tuned top runs in inference mode, so a
 * shard's gradient depends on its own images alone, and each shard takes its rows of the
 * batch's dropout mask: the result is the single-thread one up to the order of float sums.
 *
 * The workers start with the first batch, which waits for them (about a second), so that every
 * batch of a run is shared the same way and the same seed gives the same run on the same
 * machine. A worker that fails (or dies) hands its shard back to this thread, and training goes
 * on here alone from then on, with the reason told once.
 */
export class ParallelGradients implements BatchGradients {
  private helpers: Helper[] = [];
  private started: Promise<void> | null = null;
  private stoppedWhy: string | null = null;
  private nextId = 1;
  /** the most threads a batch was computed on */
  mostThreads = 1;

  private constructor(
    private readonly entry: URL,
    private readonly data: Omit<GradientWorkerData, 'role' | 'shapes'>,
    private readonly count: number,
    private readonly onFallback: (why: string) => void,
  ) {}

  /**
   * `count` workers that build the net `data` describes; none for 0. They start with the first
   * batch (the net's variables are known then, and the workers check theirs against them).
   */
  static start(entry: URL, data: Omit<GradientWorkerData, 'role' | 'shapes'>, count: number, onFallback: (why: string) => void): ParallelGradients | null {
    return count > 0 ? new ParallelGradients(entry, data, count, onFallback) : null;
  }

  /** the workers, started once; resolves when every one is ready or has failed (after which none is used) */
  private launch(variables: tf.Variable[]): Promise<void> {
    if (!this.started) {
      const data: GradientWorkerData = { role: 'gradients', ...this.data, shapes: variables.map((v) => v.shape) };
      this.helpers = Array.from({ length: this.count }, () => new Helper(this.entry, data, (why) => this.stop(why)));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.stop(`the fine-tuning workers had not started after ${startLimitSeconds} s`);
          resolve();
        }, startLimitSeconds * 1000);
      });
      this.started = Promise.race([Promise.all(this.helpers.map((h) => h.started)).then(() => undefined), late]).finally(() => clearTimeout(timer));
    }
    return this.started;
  }

  /** the threads asked for: this one and the workers */
  get planned(): number {
    return 1 + this.count;
  }

  /** the threads that compute a batch now: this one and the workers ready */
  get threads(): number {
    return 1 + this.ready().length;
  }

  private ready(): Helper[] {
    return this.stoppedWhy ? [] : this.helpers.filter((h) => h.ready);
  }

  private stop(why: string): void {
    if (this.stoppedWhy) return;
    this.stoppedWhy = why;
    this.onFallback(why);
    void this.dispose();
  }

  async compute(batch: Batch): Promise<ShardGradients> {
    const { variables, x, labels, dropoutSeed } = batch;
    await this.launch(variables);
    const n = labels.length;
    // a shard of fewer than 4 images costs more to send than to compute (a small last batch)
    const helpers = this.ready().slice(0, Math.max(0, Math.floor(n / 4) - 1));
    const per = x.length / n;
    const local = (from: number, to: number) =>
      shardGradients({ ...batch, x: x.subarray(from * per, to * per), labels: labels.slice(from, to) }, { offset: from, total: n });
    if (helpers.length === 0) return local(0, n);
    const bounds = shardBounds(n, helpers.length + 1);
    this.mostThreads = Math.max(this.mostThreads, helpers.length + 1);
    const weights = await Promise.all(variables.map(async (v) => (await v.data()) as Float32Array));
    // the workers' shards go out first, so they compute while this thread computes the first
    const theirs = helpers.map((h, j) => {
      const [from, to] = bounds[j + 1]!;
      return h
        .step({
          type: 'step',
          id: this.nextId++,
          weights,
          x: x.slice(from * per, to * per),
          labels: labels.slice(from, to),
          dropoutSeed,
          rows: { offset: from, total: n } satisfies BatchRows,
        })
        .then(
          (r): ShardGradients => ({
            grads: r.grads.map((g, i) => (g ? tf.tensor(g, variables[i]!.shape, 'float32') : null)),
            n: r.n,
            loss: r.loss,
            hits: r.hits,
          }),
          async (e: unknown) => {
            // the shard comes back to this thread, and so does the rest of the training
            this.stop(e instanceof Error ? e.message : String(e));
            return local(from, to);
          },
        );
    });
    const shards: ShardGradients[] = [];
    try {
      shards.push(await local(0, bounds[0]![1]));
      shards.push(...(await Promise.all(theirs)));
    } catch (e) {
      // a shard failed on this thread: what the others made is freed, and the failure is the step's
      for (const s of [...shards, ...(await Promise.allSettled(theirs)).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))])
        tf.dispose(s.grads.filter((g): g is tf.Tensor => g !== null));
      throw e;
    }
    return combineShards(shards);
  }

  /** closes the workers (each after the step it is on), waiting for them to end */
  async dispose(): Promise<void> {
    await Promise.all(this.helpers.map((h) => h.close()));
  }
}

/** `n` images in `k` shards as even as can be: [from, to) each */
export function shardBounds(n: number, k: number): [number, number][] {
  const base = Math.floor(n / k);
  const extra = n % k;
  const out: [number, number][] = [];
  let at = 0;
  for (let i = 0; i < k; i++) {
    const size = base + (i < extra ? 1 : 0);
    out.push([at, at + size]);
    at += size;
  }
  return out;
}

/**
 * How many shard workers a fine-tuning batch gets: one fewer than the cores (this thread takes
 * a shard), at most 3 (each worker holds the whole network, and the optimizer's step stays on
 * this thread), as many as the memory left free (`spareBytes`) holds at `workerBytes` each, and
 * none where a shard would hold fewer than 8 images or there are fewer than 16 batches to train
 * (a worker's start, about a second of a core, would not pay).
 */
export function shardWorkers(o: { batchSize: number; steps: number; cores?: number; spareBytes?: number; workerBytes?: number }): number {
  if (o.steps < 16) return 0;
  const byMemory = o.spareBytes !== undefined && o.workerBytes ? Math.floor(o.spareBytes / o.workerBytes) : Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(fineTuneThreads(o.cores ?? coreCount()) - 1, Math.floor(o.batchSize / 8) - 1, byMemory));
}

/** how long the first batch waits for the workers to start before going on alone */
const startLimitSeconds = 60;

/** one worker thread and its requests */
class Helper {
  private readonly worker: Worker;
  ready = false;
  /** true once ready, false if it failed or ended first */
  readonly started: Promise<boolean>;
  private settle: (ok: boolean) => void = () => undefined;
  /** asked to close: its end is no failure */
  private closing = false;
  private ended = false;
  private readonly waiting = new Map<number, { resolve: (r: Extract<FromGradientWorker, { type: 'grads' }>) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<void>;

  constructor(entry: URL, data: GradientWorkerData, onFailure: (why: string) => void) {
    this.started = new Promise((resolve) => (this.settle = resolve));
    this.worker = new Worker(entry, { workerData: data, stdout: false, stderr: false });
    const fail = (why: string) => {
      this.ready = false;
      this.settle(false);
      for (const w of this.waiting.values()) w.reject(new Error(why));
      this.waiting.clear();
      if (!this.closing) onFailure(why);
    };
    this.worker.on('message', (m: FromGradientWorker) => {
      if (m.type === 'ready') {
        this.ready = true;
        this.settle(true);
      } else if (m.type === 'grads') {
        this.waiting.get(m.id)?.resolve(m);
        this.waiting.delete(m.id);
      } else if (m.type === 'failed') fail(`a fine-tuning worker failed: ${m.message}`);
    });
    // an 'error' is followed by 'exit'; without a listener it would be thrown on this thread
    this.worker.on('error', (e) => fail(`a fine-tuning worker failed: ${e.message}`));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.ended = true;
        fail(`a fine-tuning worker ended (exit code ${code})`);
        resolve();
      }),
    );
  }

  step(m: Extract<ToGradientWorker, { type: 'step' }>): Promise<Extract<FromGradientWorker, { type: 'grads' }>> {
    return new Promise((resolve, reject) => {
      this.waiting.set(m.id, { resolve, reject });
      this.worker.postMessage(m satisfies ToGradientWorker);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.ended) return;
    this.worker.postMessage({ type: 'close' } satisfies ToGradientWorker);
    // wasm and plain JavaScript only: a worker that does not end on its own within a while is ended
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
