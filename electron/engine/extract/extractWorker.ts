import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { isTransferLabError } from '../../../shared/errors';
import { initBackend } from '../tf/backend';
import type { RgbImage } from '../images/decodeImage';
import { decodeForModel } from '../images/modelPixels';
import { decodeAugmented } from '../images/augment';
import { BottleneckCache } from '../cache/bottleneckCache';
import { isOutOfMemory } from './memoryBudget';
import { bottleneckCachePlace, inPlace } from '../util/atomicWrite';
import type { FromWorker, ItemResult, JobItem, StartSettings, ToWorker, WorkerData, WorkerInit } from './protocol';
import { buildRunner } from './runners';
import { adapterFacts } from './gpuRunners';
import { parityTolerance, relativeDiff } from './parity';
import type { GpuCandidate, Runner } from './runner';
import { readCompiled, removeCompiled, writeCompiled, type CachedCompiled } from './compiledCache';
import { chooseFrozenDevice } from './chooseDevice';

/**
 * One extraction worker: decodes its batch (sharp, on libuv's threads), runs the frozen part
 * (ONNX Runtime with its own threads, or one wasm/TF instance per worker — wasm is
 * single-threaded in Node, so a second core needs a second worker), pools, and writes the
 * features to the cache itself, so only small messages cross threads and nothing big is held
 * anywhere.
 */
const { nativeCalls, ...initData } = workerData as WorkerData;
let init: WorkerInit = initData;
const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);

let runner: Runner | undefined;
/** the plain TF.js model a compiled runtime is checked against, while the check lasts */
let reference: Runner | null = null;

/**
 * Every call that may be inside native code — ONNX Runtime's session and `run`, sharp's
 * decoding, a runtime's start — is counted in the counter the pool shares, which then never
 * terminates this thread while it is above 0 (that aborts the whole process).
 */
async function native<T>(call: () => Promise<T>): Promise<T> {
  Atomics.add(nativeCalls, 0, 1);
  try {
    return await call();
  } finally {
    Atomics.sub(nativeCalls, 0, 1);
  }
}
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
        const img = await native(() => (item.augment ? decodeAugmented(item.absPath, target, item.augment) : decodeForModel(item.absPath, target)));
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
    const y = await native(() => runner!.infer(pack(images), images.length, [images[0]!.height, images[0]!.width]));
    at.forEach((i, j) => out.set(y.subarray(j * init.featureDim, (j + 1) * init.featureDim), i * init.featureDim));
  }
  return out;
}

interface Sample {
  input: Uint8Array;
  n: number;
  size: readonly [number, number];
  /** how many came from the dataset (0: random pixels stood in) */
  fromDataset: number;
}

let sample: Sample | undefined;

/**
 * The dataset's first images (the ones the pool was given to check with), decoded as the
 * extraction decodes them, so a small image's enlargement is checked too. Pixels of random
 * noise stand in only when none of those images decodes.
 */
async function paritySample(): Promise<Sample> {
  if (sample) return sample;
  const { height, width, resize } = init.preprocessing;
  const samples: RgbImage[] = [];
  for (const file of init.parityImages ?? []) {
    if (samples.length === 2) break;
    try {
      const img = await native(() => decodeForModel(file, { width, height, resize }));
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
  sample = { input: pack(samples), n: samples.length, size: [samples[0]!.height, samples[0]!.width], fromDataset };
  return sample;
}

/**
 * A compiled runtime earns its trust before it writes anything: the sample goes through the
 * plain TF.js model too, and a difference beyond the tolerance hands the work to TF.js.
 */
async function checkParity(ref: Runner, own: Runner): Promise<{ maxDiff: number; images: number; fallbackReason?: string }> {
  const { input, n, size, fromDataset } = await paritySample();
  const maxDiff = relativeDiff(await native(() => ref.infer(input, n, size)), await native(() => own.infer(input, n, size)));
  if (maxDiff <= parityTolerance) return { maxDiff, images: fromDataset };
  return {
    maxDiff,
    images: fromDataset,
    fallbackReason: `${own.runtime} failed the parity check against TF.js (relative difference ${maxDiff.toExponential(2)} on ${fromDataset ? `${n} of the dataset's images` : 'random pixels'})`,
  };
}

/**
 * Images a second of a runner on a batch of the sample's images repeated to the pool's batch
 * size, after one warm-up run (a GPU compiles its shaders there, ONNX Runtime plans its memory).
 */
async function imagesPerSecond(r: Runner): Promise<number> {
  const { input, n, size } = await paritySample();
  const batch = Math.max(1, init.timing?.batch ?? n);
  const x = new Uint8Array(batch * (input.length / n));
  for (let i = 0; i < batch; i++) x.set(input.subarray((i % n) * (input.length / n), ((i % n) + 1) * (input.length / n)), i * (input.length / n));
  await native(() => r.infer(x, batch, size));
  const t0 = performance.now();
  await native(() => r.infer(x, batch, size));
  return batch / Math.max((performance.now() - t0) / 1000, 1e-6);
}

/** fault injection for tests of the GPU's win (gpuRunners.ts says more): the CPU path's speed × this */
const simulatedCpuRate = Number(process.env.TRANSFER_LAB_FAULT_CPU_RATE ?? 1);

/**
 * `auto`'s choice between the CPU path it built and the GPU (chooseDevice.ts): the facts
 * gathered one at a time, as long as the decision asks for the next.
 */
async function weighGpu(gpu: GpuCandidate, cpu: Runner): Promise<{ device: 'gpu' | 'cpu'; why: string; parityMaxDiff?: number }> {
  let facts = gpu.facts;
  let parityMaxDiff: number | undefined;
  for (;;) {
    const d = chooseFrozenDevice(facts);
    if (!('next' in d)) return { ...d, ...(parityMaxDiff !== undefined ? { parityMaxDiff } : {}) };
    if (d.next === 'start' || !gpu.runner) return { device: 'cpu', why: 'WebGPU did not start' };
    if (closing) return { device: 'cpu', why: 'stopped while the GPU was weighed' };
    if (d.next === 'parity') {
      const p = await checkParity(gpu.reference, gpu.runner).catch((e: unknown) => ({ maxDiff: Number.POSITIVE_INFINITY, error: e }));
      if ('error' in p) return { device: 'cpu', why: `WebGPU failed while checked: ${(p.error as Error).message.split('\n')[0]}` };
      parityMaxDiff = p.maxDiff;
      facts = { ...facts, parity: { passed: !p.fallbackReason, maxDiff: p.maxDiff } };
    } else {
      const gpuRate = await imagesPerSecond(gpu.runner).catch(() => 0);
      // the pool's workers share the cores (the CPU path's threads were planned so) but one GPU
      const cpuRate = (await imagesPerSecond(cpu)) * Math.max(1, init.timing?.workers ?? 1) * simulatedCpuRate;
      facts = { ...facts, timing: { gpuImagesPerSecond: gpuRate, cpuImagesPerSecond: cpuRate } };
    }
  }
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

interface Job {
  id: number;
  decoding: Promise<{ decoded: Decoded[]; seconds: number }>;
}
const queue: Job[] = [];
/** every decoding begun and not yet settled: a stop waits for them, as they run in sharp */
const decodings = new Set<Promise<unknown>>();
/** the job being inferred and written, if any */
let pumping: Promise<void> | null = null;

/** the features go to the cache; a full disk there says which folder and that the cache may go */
function writeFeatures(file: string, features: Float32Array): void {
  try {
    BottleneckCache.writeFeatures(file, features);
  } catch (e) {
    throw inPlace(e, bottleneckCachePlace(path.dirname(init.cacheDir)));
  }
}

const fatal = (e: unknown): FromWorker => ({
  type: 'fatal',
  error: isTransferLabError(e)
    ? e.toJSON()
    : { code: isOutOfMemory(e) ? 'OUT_OF_MEMORY' : 'INTERNAL', message: (e as Error).message.split('\n')[0] ?? String(e) },
});

async function runJobs(): Promise<void> {
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
        const features = await inferWithBackoff(good);
        good.forEach((d, i) => {
          writeFeatures(d.item.file, features.subarray(i * init.featureDim, (i + 1) * init.featureDim));
          d.pixels = undefined;
          results.push({ hash: d.item.hash, ok: true });
        });
      }
      send({ type: 'done', id: job.id, results, inferSeconds: (performance.now() - t0) / 1000, decodeSeconds });
    }
  } catch (e) {
    // the jobs behind a failed one are not run: the pool stops on the failure
    queue.length = 0;
    send(fatal(e));
  }
}

function pump(): void {
  pumping ??= runJobs().finally(() => {
    pumping = null;
  });
}

/** drops the jobs not begun and waits for the one in progress and every decoding to end */
async function stopJobs(): Promise<number[]> {
  const dropped = queue.splice(0).map((j) => j.id);
  while (pumping || decodings.size) await Promise.allSettled([pumping, ...decodings]);
  return dropped;
}

let closing = false;
let startWith: ((s: StartSettings | null) => void) | null = null;
const started = new Promise<StartSettings | null>((resolve) => (startWith = resolve));

/** a 'close' ends the worker on its own: nothing of it is in native code when the thread ends */
async function close(booting: Promise<void>): Promise<void> {
  closing = true;
  startWith?.(null);
  await booting;
  await stopJobs();
  reference?.dispose();
  reference = null;
  await runner?.dispose();
  runner = undefined;
  send({ type: 'closed' });
  port.close();
}

/**
 * A compiled graph the cache folder already holds, checked when it was made: taken as it is
 * where the user asked for ONNX Runtime, or for auto where there is no GPU auto would weigh
 * (no adapter, a software one). Else null: the runtime is built and checked as on a first run.
 */
async function cachedCompiled(): Promise<{ cached: CachedCompiled; deviceReason?: string } | null> {
  if (init.compiled || !init.parityCheck || (init.runtime !== 'auto' && init.runtime !== 'onnx')) return null;
  const cached = await readCompiled(init.cacheDir);
  if (!cached) return null;
  if (init.runtime === 'onnx') return { cached };
  const d = chooseFrozenDevice(await adapterFacts());
  return 'next' in d ? null : { cached, deviceReason: d.why };
}

/** a graph that passed its check is kept for the next run; a full disk only costs that run its shortcut */
async function keepCompiled(c: CachedCompiled): Promise<void> {
  await writeCompiled(init.cacheDir, c).catch(() => undefined);
}

/** the cached graph as the runtime, or null (and the file removed) where it does not load */
async function bootFromCache(hit: { cached: CachedCompiled; deviceReason?: string }): Promise<boolean> {
  try {
    const built = await native(() => buildRunner({ ...init, compiled: hit.cached.compiled }));
    runner = built.runner;
  } catch {
    await removeCompiled(init.cacheDir).catch(() => undefined);
    return false;
  }
  if (closing) return true;
  send({
    type: 'ready',
    backend: 'onnxruntime-node',
    tfBackend: null,
    runtime: runner.runtime,
    compiledFromCache: true,
    ...(hit.deviceReason ? { deviceReason: hit.deviceReason } : {}),
    parityMaxDiff: hit.cached.parityMaxDiff,
    compiled: hit.cached.compiled,
  });
  return true;
}

/**
 * Boots the runtime; between its steps a 'close' that came meanwhile is honoured, so a stop
 * while the graph compiles or the parity check runs waits for that step alone.
 */
async function boot(): Promise<void> {
  try {
    if (init.deferred) {
      const settings = await started;
      if (!settings || closing) return;
      init = { ...init, ...settings, deferred: false };
    }
    const hit = await cachedCompiled().catch(() => null);
    if (closing) return;
    if (hit && (await bootFromCache(hit))) return;
    // a worker that runs a compiled graph on ONNX Runtime needs no TF.js at all: it loads no
    // TensorFlow binding (tfjs-node(-gpu) would take memory, and a GPU context, for nothing)
    const backend = init.compiled ? null : await initBackend(init.backend);
    if (closing) return;
    const built = await native(() => buildRunner(init));
    runner = built.runner;
    reference = built.reference;
    // every runtime built and not kept is released once the choice is made
    const candidates = new Set<Runner>([
      built.runner,
      ...(built.reference ? [built.reference] : []),
      ...(built.gpu ? [built.gpu.reference] : []),
      ...(built.gpu?.runner ? [built.gpu.runner] : []),
    ]);
    let { fallbackReason, parityMaxDiff } = built;
    let deviceReason: string | undefined;
    try {
      if (closing) return;
      if (reference) {
        const parity = await checkParity(reference, runner);
        parityMaxDiff = parity.maxDiff;
        // the loser of the check goes: the compiled runtime if it failed, else the TF.js model
        if (parity.fallbackReason) {
          fallbackReason = parity.fallbackReason;
          runner = reference;
        }
      }
      if (built.gpu && !closing) {
        const choice = await weighGpu(built.gpu, runner);
        deviceReason = choice.why;
        if (choice.device === 'gpu' && built.gpu.runner) {
          runner = built.gpu.runner;
          built.gpu.onChosen?.();
          fallbackReason = undefined;
          if (choice.parityMaxDiff !== undefined) parityMaxDiff = choice.parityMaxDiff;
        }
      }
    } finally {
      reference = null;
      for (const c of candidates) if (c !== runner) await c.dispose();
    }
    if (closing) return;
    // a graph that passed is handed to the pool, so its other workers need not load the TF.js model
    const compiled = runner.runtime === 'onnx' && built.compiled && !init.compiled ? built.compiled : undefined;
    if (compiled && built.reference && parityMaxDiff !== undefined && !fallbackReason)
      await keepCompiled({ compiled, parityMaxDiff, checkedOn: sample?.fromDataset ?? 0 });
    send({
      type: 'ready',
      backend: backend?.provider ?? 'onnxruntime-node',
      tfBackend: backend?.provider ?? null,
      runtime: runner.runtime,
      ...(fallbackReason ? { fallbackReason } : {}),
      ...(deviceReason ? { deviceReason } : {}),
      ...(parityMaxDiff !== undefined ? { parityMaxDiff } : {}),
      ...(compiled ? { compiled } : {}),
    });
  } catch (e) {
    if (!closing) send(fatal(e));
  }
}

/**
 * Fault injection for tests of the pool's last resort: TRANSFER_LAB_FAULT_IGNORE_CLOSE=1 makes
 * a worker ignore 'close' and stay alive in plain JavaScript, as a worker stuck in a loop of
 * ours would. Unset in normal use.
 */
const ignoreClose = process.env.TRANSFER_LAB_FAULT_IGNORE_CLOSE === '1';

const booting = boot();
// listening from the first moment, so a 'close' during boot is heard
port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'start':
      startWith?.(m.settings);
      break;
    case 'job': {
      if (closing) break;
      // start decoding at once: it overlaps the inference of the job ahead of it
      const decoding = decodeAll(m.items);
      decodings.add(decoding);
      void decoding.finally(() => decodings.delete(decoding));
      queue.push({ id: m.id, decoding });
      pump();
      break;
    }
    case 'stop':
      void stopJobs().then((dropped) => send({ type: 'stopped', dropped }));
      break;
    case 'close':
      if (ignoreClose) setInterval(() => undefined, 1000);
      else void close(booting);
      break;
  }
});
