import path from 'node:path';
import { writeFeatureFile } from '../cache/featureFile';
import { bottleneckCachePlace, inPlace } from '../util/atomicWrite';
import type { ItemResult, JobItem } from './protocol';
import { decodeAll, inferWithBackoff, type Decoded } from './batchInference';
import { fatal, type WorkerContext } from './workerContext';

interface Job {
  id: number;
  decoding: Promise<{ decoded: Decoded[]; seconds: number }>;
}

/** the features go to the cache; a full disk there says which folder and that the cache may go */
function writeFeatures(cacheDir: string, file: string, features: Float32Array): void {
  try {
    writeFeatureFile(file, features);
  } catch (e) {
    throw inPlace(e, bottleneckCachePlace(path.dirname(cacheDir)));
  }
}

/**
 * A worker's jobs, one after another: each is decoded as soon as it comes (overlapping the
 * inference of the job ahead of it), then inferred and written to the cache, and answered with
 * 'done'. A failure answers 'fatal' and drops the jobs behind it; a stop drops the jobs not begun.
 */
export class JobQueue {
  private readonly queue: Job[] = [];
  /** every decoding begun and not yet settled: a stop waits for them, as they run in sharp */
  private readonly decodings = new Set<Promise<unknown>>();
  /** the job being inferred and written, if any */
  private pumping: Promise<void> | null = null;
  private readonly infer: (batch: Decoded[]) => Promise<Float32Array>;

  constructor(private readonly ctx: WorkerContext) {
    this.infer = inferWithBackoff(ctx);
  }

  add(id: number, items: JobItem[]): void {
    // start decoding at once: it overlaps the inference of the job ahead of it
    const decoding = decodeAll(this.ctx, items);
    this.decodings.add(decoding);
    void decoding.finally(() => this.decodings.delete(decoding));
    this.queue.push({ id, decoding });
    this.pumping ??= this.run().finally(() => {
      this.pumping = null;
    });
  }

  /** drops the jobs not begun and waits for the one in progress and every decoding to end */
  async stop(): Promise<number[]> {
    const dropped = this.queue.splice(0).map((j) => j.id);
    while (this.pumping || this.decodings.size) await Promise.allSettled([this.pumping, ...this.decodings]);
    return dropped;
  }

  private async run(): Promise<void> {
    const { ctx, queue } = this;
    try {
      while (queue.length) {
        // a macrotask between batches lets a 'stop' in: TF.js infers synchronously, so a
        // message would otherwise wait until the queue is empty
        await new Promise((r) => setImmediate(r));
        const job = queue.shift();
        if (!job) break;
        const { decoded, seconds: decodeSeconds } = await job.decoding;
        const good = decoded.filter((d) => d.pixels);
        const results: ItemResult[] = decoded.filter((d) => !d.pixels).map((d) => ({ hash: d.item.hash, ok: false, reason: d.reason ?? 'cannot decode' }));
        const t0 = performance.now();
        if (good.length) {
          const features = await this.infer(good);
          const { featureDim } = ctx.init;
          good.forEach((d, i) => {
            writeFeatures(ctx.init.cacheDir, d.item.file, features.subarray(i * featureDim, (i + 1) * featureDim));
            d.pixels = undefined;
            results.push({ hash: d.item.hash, ok: true });
          });
        }
        ctx.send({ type: 'done', id: job.id, results, inferSeconds: (performance.now() - t0) / 1000, decodeSeconds });
      }
    } catch (e) {
      // the jobs behind a failed one are not run: the pool stops on the failure
      queue.length = 0;
      ctx.send(fatal(e));
    }
  }
}
