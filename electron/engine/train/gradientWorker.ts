import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersBackbone } from '../models/loadBackbone';
import { ensureConvolutionGradients, initBackend } from '../tf/backend';
import { buildTop } from './fineTune';
import type { FromGradientWorker, GradientWorkerData, ToGradientWorker } from './gradientProtocol';
import { shardGradients } from './gradients';
import { buildHead } from './head';
import { fineTunedNet, type ClassifierNet } from './net';

/**
 * A fine-tuning shard worker (parallelGradients.ts starts it through extractWorker.ts): it builds
 * the run's fine-tuned top and head from the same model folder, then for each step takes the
 * trained variables' values and its shard of the batch, and answers with the shard's gradients,
 * mean loss and hits. It keeps no state between steps but the net, whose values come with each.
 */
const spec = workerData as GradientWorkerData;
const port = parentPort!;
const send = (m: FromGradientWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

interface Built {
  backbone: { dispose(): void };
  net: ClassifierNet;
  variables: tf.Variable[];
}

async function build(): Promise<Built> {
  const backend = await initBackend('wasm');
  if (backend.name !== 'wasm') throw new Error(`the shard worker runs on wasm, not ${backend.name}`);
  await ensureConvolutionGradients();
  const backbone = await loadLayersBackbone(spec.modelDir);
  const top = buildTop(backbone, spec.split, spec.cut);
  const net = fineTunedNet(top, spec.pooling, buildHead(spec.headInputDim, spec.classCount, spec.head, spec.seed), 1);
  const variables = net
    .groups()
    .filter((g) => g.variables.length)
    .flatMap((g) => g.variables);
  const shapes = JSON.stringify(variables.map((v) => v.shape));
  if (shapes !== JSON.stringify(spec.shapes)) throw new Error(`the worker's net has other variables (${shapes}) than the run's`);
  return { backbone, net, variables };
}

/** an array that alone holds its buffer, so the buffer can move to the other thread (never a view of the wasm heap) */
const ownBuffer = (a: Float32Array) => (a.byteOffset === 0 && a.buffer.byteLength === a.byteLength ? a : a.slice());

let built: Built | null = null;
const booting = build().then(
  (b) => {
    built = b;
    send({ type: 'ready' });
  },
  (e: unknown) => send({ type: 'failed', message: `a fine-tuning worker could not start: ${message(e)}` }),
);

async function step(m: Extract<ToGradientWorker, { type: 'step' }>): Promise<void> {
  await booting;
  if (!built) return;
  const { net, variables } = built;
  try {
    tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(m.weights[i]!, v.shape, 'float32'))));
    const r = await shardGradients({ net, variables, x: m.x, labels: m.labels, classCount: spec.classCount, dropoutSeed: m.dropoutSeed }, m.rows);
    const grads = r.grads.map((g) => (g ? ownBuffer(g.dataSync() as Float32Array) : null));
    tf.dispose(r.grads.filter((g): g is tf.Tensor => g !== null));
    send(
      { type: 'grads', id: m.id, grads, n: r.n, loss: r.loss, hits: r.hits },
      grads.flatMap((g) => (g ? [g.buffer as ArrayBuffer] : [])),
    );
  } catch (e) {
    send({ type: 'failed', id: m.id, message: message(e) });
  }
}

let work: Promise<void> = Promise.resolve();
port.on('message', (m: ToGradientWorker) => {
  if (m.type === 'step') work = work.then(() => step(m));
  else if (m.type === 'close')
    void work.then(async () => {
      await booting;
      built?.net.dispose();
      built?.backbone.dispose();
      port.close();
    });
});
