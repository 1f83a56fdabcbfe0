import { isTransferLabError } from '../../../shared/errors';
import type { RgbImage } from '../images/decodeImage';
import { decodeForModel } from '../images/modelPixels';
import { decodeAugmented } from '../images/augment';
import { isOutOfMemory } from './memoryBudget';
import type { JobItem } from './protocol';
import type { WorkerContext } from './workerContext';

/** A job's images from their files to their features: decoded by sharp, then run through the worker's runtime. */
export interface Decoded {
  item: JobItem;
  /** RGB bytes, at the model's input size or smaller (the runtime enlarges those): a quarter of the floats' memory until the batch runs */
  pixels?: RgbImage;
  reason?: string;
}

export async function decodeAll(ctx: WorkerContext, items: JobItem[]): Promise<{ decoded: Decoded[]; seconds: number }> {
  const t0 = performance.now();
  const { height, width, resize } = ctx.init.preprocessing;
  const decoded = await Promise.all(
    items.map(async (item): Promise<Decoded> => {
      try {
        const target = { width, height, resize };
        const img = await ctx.native(() => (item.augment ? decodeAugmented(item.absPath, target, item.augment) : decodeForModel(item.absPath, target)));
        return { item, pixels: img };
      } catch (e) {
        return { item, reason: isTransferLabError(e) ? e.message : `cannot decode: ${(e as Error).message}` };
      }
    }),
  );
  return { decoded, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Fault injection for tests of the back-off: TRANSFER_LAB_FAULT_OOM_ABOVE=N makes any batch
 * larger than N fail as a real allocation failure does. Unset in normal use.
 */
const simulatedOomAbove = Number(process.env.TRANSFER_LAB_FAULT_OOM_ABOVE ?? Number.POSITIVE_INFINITY);

/** the images' bytes, one after another (all of one size) */
export function pack(images: RgbImage[]): Uint8Array {
  const per = images[0]!.data.length;
  const input = new Uint8Array(images.length * per);
  images.forEach((img, i) => input.set(img.data, i * per));
  return input;
}

/** Runs a batch, one call per image size among its images (small images stay at their own size). */
async function infer(ctx: WorkerContext, batch: Decoded[]): Promise<Float32Array> {
  if (batch.length > simulatedOomAbove) throw new RangeError(`Array buffer allocation failed (simulated for a batch of ${batch.length})`);
  const { featureDim } = ctx.init;
  const out = new Float32Array(batch.length * featureDim);
  const bySize = new Map<string, number[]>();
  batch.forEach((d, i) => {
    const key = `${d.pixels!.height}x${d.pixels!.width}`;
    const group = bySize.get(key);
    if (group) group.push(i);
    else bySize.set(key, [i]);
  });
  for (const at of bySize.values()) {
    const images = at.map((i) => batch[i]!.pixels!);
    const y = await ctx.native(() => ctx.runner!.infer(pack(images), images.length, [images[0]!.height, images[0]!.width]));
    at.forEach((i, j) => out.set(y.subarray(j * featureDim, (j + 1) * featureDim), i * featureDim));
  }
  return out;
}

/**
 * Runs the frozen part in chunks no larger than the cap; an allocation failure halves the cap
 * (for this batch and every later one) and tells the pool.
 */
export function inferWithBackoff(ctx: WorkerContext): (batch: Decoded[]) => Promise<Float32Array> {
  let batchCap = Number.POSITIVE_INFINITY;
  return async (batch) => {
    const out = new Float32Array(batch.length * ctx.init.featureDim);
    let i = 0;
    while (i < batch.length) {
      const n = Math.min(batch.length - i, batchCap);
      try {
        out.set(await infer(ctx, batch.slice(i, i + n)), i * ctx.init.featureDim);
        i += n;
      } catch (e) {
        if (!isOutOfMemory(e) || n === 1) throw e;
        batchCap = Math.max(1, Math.floor(n / 2));
        ctx.send({ type: 'backoff', batchSize: batchCap, reason: (e as Error).message.split('\n')[0] ?? 'out of memory' });
      }
    }
    return out;
  };
}
