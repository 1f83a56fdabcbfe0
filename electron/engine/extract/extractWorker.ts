import { parentPort, workerData } from 'node:worker_threads';
import { isTransferLabError } from '../../../shared/errors';
import { initBackend } from '../tf/backend';
import { decodeForModel, type RgbImage } from '../images/decodeImage';
import { decodeAugmented } from '../images/augment';
import { BottleneckCache } from '../cache/bottleneckCache';
import { isOutOfMemory } from './memoryBudget';
import type { FromWorker, ItemResult, JobItem, StartSettings, ToWorker, WorkerInit } from './protocol';
import { buildRunner, parityTolerance, relativeDiff, type Runner } from './runners';

/**
 * One extraction worker: decodes its batch (sharp, on libuv's threads), runs the frozen part
 * (ONNX Runtime with its own threads, or one wasm/TF instance per worker — wasm is
 * single-threaded in Node, so a second core needs a second worker), pools, and writes the
 * features to the cache itself, so only small messages cross threads and nothing big is held
 * anywhere.
 */
let init = workerData as WorkerInit;
const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);

let runner: Runner;
let batchCap = Number.POSITIVE_INFINITY;

interface Decoded {
  item: JobItem;
  /** RGB bytes, at the model's input size or smaller (the runtime enlarges those): a quarter of the floats' memory until the batch runs */
  pixels?: RgbImage;
  reason?: string;
}

async function decodeAll(items: JobItem[]): Promise<{ decoded: Decoded[]; seconds: number }> {
  const t0 = performance.now();
  const { height, width, resize } = init.preprocessing;
  const decoded = await Promise.all(
    items.map(async (item): Promise<Decoded> => {
      try {
        const target = { width, height, resize };
        const img = item.augment ? await decodeAugmented(item.absPath, target, item.augment) : await decodeForModel(item.absPath, target);
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
function pack(images: RgbImage[]): Uint8Array {
  const per = images[0]!.data.length;
  const input = new Uint8Array(images.length * per);
  images.forEach((img, i) => input.set(img.data, i * per));
  return input;
}

/** Runs a batch, one call per image size among its images (small images stay at their own size). */
async function infer(batch: Decoded[]): Promise<Float32Array> {
  if (batch.length > simulatedOomAbove) throw new RangeError(`Array buffer allocation failed (simulated for a batch of ${batch.length})`);
  const out = new Float32Array(batch.length * init.featureDim);
  const bySize = new Map<string, number[]>();
  batch.forEach((d, i) => {
    const key = `${d.pixels!.height}x${d.pixels!.width}`;
    const group = bySize.get(key);
    if (group) group.push(i);
    else bySize.set(key, [i]);
  });
  for (const at of bySize.values()) {
    const images = at.map((i) => batch[i]!.pixels!);
    const y = await runner.infer(pack(images), images.length, [images[0]!.height, images[0]!.width]);
    at.forEach((i, j) => out.set(y.subarray(j * init.featureDim, (j + 1) * init.featureDim), i * init.featureDim));
  }
  return out;
}

/**
 * The compiled runtime earns its trust before it writes anything: the dataset's first images
 * (the ones the pool was given to check with) also go through the plain TF.js model, and a
 * difference beyond the tolerance hands the work to TF.js. Pixels of random noise stand in
 * only when none of those images decodes.
 */
async function checkParity(ref: Runner): Promise<{ maxDiff: number; images: number; fallbackReason?: string }> {
  const { height, width, resize } = init.preprocessing;
  // decoded as the extraction decodes them, so a small image's enlargement is checked too
  const samples: RgbImage[] = [];
  for (const file of init.parityImages ?? []) {
    if (samples.length === 2) break;
    try {
      const img = await decodeForModel(file, { width, height, resize });
      if (!samples.length || (img.width === samples[0]!.width && img.height === samples[0]!.height)) samples.push(img);
    } catch {
      // a broken image is the extraction's to report; try the next
    }
  }
  const fromDataset = samples.length;
  if (!fromDataset) {
    const data = new Uint8Array(height * width * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    samples.push({ data, width, height });
  }
  const input = pack(samples);
  const n = samples.length;
  const size = [samples[0]!.height, samples[0]!.width] as const;
  const maxDiff = relativeDiff(await ref.infer(input, n, size), await runner.infer(input, n, size));
  if (maxDiff <= parityTolerance) {
    ref.dispose();
    return { maxDiff, images: fromDataset };
  }
  const failed = runner.runtime;
  runner.dispose();
  runner = ref;
  return { maxDiff, images: fromDataset, fallbackReason: `${failed} failed the parity check against TF.js (relative difference ${maxDiff.toExponential(2)} on ${fromDataset ? `${n} of the dataset's images` : 'random pixels'})` };
}

/** Runs the frozen part in chunks no larger than the cap; an allocation failure halves the cap. */
async function inferWithBackoff(batch: Decoded[]): Promise<Float32Array> {
  const out = new Float32Array(batch.length * init.featureDim);
  let i = 0;
  while (i < batch.length) {
    const n = Math.min(batch.length - i, batchCap);
    try {
      out.set(await infer(batch.slice(i, i + n)), i * init.featureDim);
      i += n;
    } catch (e) {
      if (!isOutOfMemory(e) || n === 1) throw e;
      batchCap = Math.max(1, Math.floor(n / 2));
      send({ type: 'backoff', batchSize: batchCap, reason: (e as Error).message.split('\n')[0] ?? 'out of memory' });
    }
  }
  return out;
}

const queue: { id: number; decoding: Promise<{ decoded: Decoded[]; seconds: number }> }[] = [];
let busy = false;

async function pump(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    while (queue.length) {
      const job = queue.shift()!;
      const { decoded, seconds: decodeSeconds } = await job.decoding;
      const good = decoded.filter((d) => d.pixels);
      const results: ItemResult[] = decoded.filter((d) => !d.pixels).map((d) => ({ hash: d.item.hash, ok: false, reason: d.reason ?? 'cannot decode' }));
      const t0 = performance.now();
      if (good.length) {
        const features = await inferWithBackoff(good);
        good.forEach((d, i) => {
          BottleneckCache.writeFeatures(d.item.file, features.subarray(i * init.featureDim, (i + 1) * init.featureDim));
          d.pixels = undefined;
          results.push({ hash: d.item.hash, ok: true });
        });
      }
      send({ type: 'done', id: job.id, results, inferSeconds: (performance.now() - t0) / 1000, decodeSeconds });
    }
  } catch (e) {
    send({ type: 'fatal', error: isTransferLabError(e) ? e.toJSON() : { code: isOutOfMemory(e) ? 'OUT_OF_MEMORY' : 'INTERNAL', message: (e as Error).message.split('\n')[0] ?? String(e) } });
  } finally {
    busy = false;
  }
}

try {
  const backend = await initBackend(init.backend);
  if (init.deferred) {
    const settings = await new Promise<StartSettings | null>((resolve) => {
      port.once('message', (m: ToWorker) => resolve(m.type === 'start' ? m.settings : null));
    });
    if (!settings) {
      port.close();
      process.exit(0);
    }
    init = { ...init, ...settings, deferred: false };
  }
  const built = await buildRunner(init);
  runner = built.runner;
  let { fallbackReason, parityMaxDiff } = built;
  if (built.reference) {
    const parity = await checkParity(built.reference);
    parityMaxDiff = parity.maxDiff;
    if (parity.fallbackReason) fallbackReason = parity.fallbackReason;
  }
  // a graph that passed is handed to the pool, so its other workers need not load the TF.js model
  const compiled = runner.runtime === 'onnx' && built.compiled && !init.compiled ? built.compiled : undefined;
  send({ type: 'ready', backend: backend.provider, runtime: runner.runtime, ...(fallbackReason ? { fallbackReason } : {}), ...(parityMaxDiff !== undefined ? { parityMaxDiff } : {}), ...(compiled ? { compiled } : {}) });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'close') {
      port.close();
      return;
    }
    if (m.type !== 'job') return;
    // start decoding at once: it overlaps the inference of the job ahead of it
    queue.push({ id: m.id, decoding: decodeAll(m.items) });
    void pump();
  });
} catch (e) {
  send({ type: 'fatal', error: isTransferLabError(e) ? e.toJSON() : { code: 'INTERNAL', message: (e as Error).message.split('\n')[0] ?? String(e) } });
}
