import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type * as tfconv from '@tensorflow/tfjs-converter';
import { isTransferLabError } from '../../../shared/errors';
import { initBackend } from '../tf/backend';
import { loadGraphBackbone, loadLayersBackbone } from '../models/loadBackbone';
import { frozenGraphFromLayers, optimizeFrozenGraph } from '../frozen/frozenGraph';
import { FusedExecutor } from '../frozen/fusedExecutor';
import { decodeToRgb, pixelsToFloat } from '../images/decodeImage';
import { BottleneckCache } from '../cache/bottleneckCache';
import { isOutOfMemory } from './memoryBudget';
import type { FromWorker, ItemResult, JobItem, ToWorker, WorkerInit } from './protocol';

/**
 * One extraction worker: decodes its batch (sharp, on libuv's threads), runs the frozen part
 * (one wasm/TF instance per worker — wasm is single-threaded in Node, so a second core
 * needs a second worker), pools, and writes the features to the cache itself, so only
 * small messages cross threads and nothing big is held anywhere.
 */
const init = workerData as WorkerInit;
const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);

type Run = (x: tf.Tensor4D) => tf.Tensor;

/** Max abs difference allowed between the fused graph and the plain model, relative to the features' scale. */
const parityTolerance = 1e-3;

async function buildRunner(): Promise<{ run: Run; runtime: 'fused' | 'layers' | 'graph'; fallbackReason?: string; parityMaxDiff?: number }> {
  if (init.format === 'graph') {
    const model: tfconv.GraphModel = await loadGraphBackbone(init.modelDir);
    return { runtime: 'graph', run: (x) => {
      const y = model.predict(x) as tf.Tensor | tf.Tensor[];
      return Array.isArray(y) ? y[0]! : y;
    } };
  }
  const model = await loadLayersBackbone(init.modelDir);
  const cutModel = tfl.model({ inputs: model.inputs, outputs: model.getLayer(init.cut).output as tfl.SymbolicTensor });
  const plain: Run = (x) => cutModel.predict(x) as tf.Tensor;
  if (init.runtime === 'layers') return { runtime: 'layers', run: plain };
  let executor: FusedExecutor;
  try {
    executor = new FusedExecutor(optimizeFrozenGraph(frozenGraphFromLayers(model, init.cut)));
  } catch (e) {
    if (init.runtime === 'fused') throw e;
    return { runtime: 'layers', run: plain, fallbackReason: (e as Error).message };
  }
  const fused: Run = (x) => executor.run(x);
  if (!init.parityCheck) return { runtime: 'fused', run: fused };
  const { height, width } = init.preprocessing;
  const diff = tf.tidy(() => {
    const x = tf.randomUniform([2, height, width, 3], init.preprocessing.range[0], init.preprocessing.range[1], 'float32', 7) as tf.Tensor4D;
    const a = plain(x);
    const b = fused(x);
    const scale = Math.max(1e-6, tf.max(tf.abs(a)).dataSync()[0]!);
    return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / scale;
  });
  if (!(diff <= parityTolerance)) {
    executor.dispose();
    if (init.runtime === 'fused') throw new Error(`the fused graph differs from the model by ${diff.toExponential(2)}`);
    return { runtime: 'layers', run: plain, fallbackReason: `fused graph failed the parity check (relative difference ${diff.toExponential(2)})`, parityMaxDiff: diff };
  }
  return { runtime: 'fused', run: fused, parityMaxDiff: diff };
}

let runner: Run;
let batchCap = Number.POSITIVE_INFINITY;

interface Decoded {
  item: JobItem;
  pixels?: Float32Array;
  reason?: string;
}

async function decodeAll(items: JobItem[]): Promise<{ decoded: Decoded[]; seconds: number }> {
  const t0 = performance.now();
  const { height, width, resize } = init.preprocessing;
  const decoded = await Promise.all(
    items.map(async (item): Promise<Decoded> => {
      try {
        const img = await decodeToRgb(item.absPath, { width, height, resize });
        return { item, pixels: pixelsToFloat(img.data, init.preprocessing) };
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

function infer(batch: Decoded[]): Float32Array {
  if (batch.length > simulatedOomAbove) throw new RangeError(`Array buffer allocation failed (simulated for a batch of ${batch.length})`);
  const { height, width } = init.preprocessing;
  const per = height * width * 3;
  const input = new Float32Array(batch.length * per);
  batch.forEach((d, i) => input.set(d.pixels!, i * per));
  return tf.tidy(() => {
    const x = tf.tensor4d(input, [batch.length, height, width, 3]);
    let y = runner(x);
    if (init.pooling === 'avg' && y.rank === 4) y = tf.mean(y, [1, 2]);
    return tf.reshape(y, [batch.length, -1]).dataSync() as Float32Array;
  });
}

/** Runs the frozen part in chunks no larger than the cap; an allocation failure halves the cap. */
function inferWithBackoff(batch: Decoded[]): Float32Array {
  const out = new Float32Array(batch.length * init.featureDim);
  let i = 0;
  while (i < batch.length) {
    const n = Math.min(batch.length - i, batchCap);
    try {
      out.set(infer(batch.slice(i, i + n)), i * init.featureDim);
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
        const features = inferWithBackoff(good);
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
  const built = await buildRunner();
  runner = built.run;
  send({ type: 'ready', backend: backend.provider, runtime: built.runtime, ...(built.fallbackReason ? { fallbackReason: built.fallbackReason } : {}), ...(built.parityMaxDiff !== undefined ? { parityMaxDiff: built.parityMaxDiff } : {}) });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'close') {
      port.close();
      return;
    }
    // start decoding at once: it overlaps the inference of the job ahead of it
    queue.push({ id: m.id, decoding: decodeAll(m.items) });
    void pump();
  });
} catch (e) {
  send({ type: 'fatal', error: isTransferLabError(e) ? e.toJSON() : { code: 'INTERNAL', message: (e as Error).message.split('\n')[0] ?? String(e) } });
}
