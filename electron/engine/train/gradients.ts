import * as tf from '@tensorflow/tfjs-core';
import { readsSynchronously } from '../tf/backend';
import { headGradients, type BatchRows } from './head';
import { batchLoss, type BatchLoss } from './loss';
import type { ClassifierNet } from './net';

/** one shard's gradients, one per variable in the order asked (null: none reached it), and its mean loss and hits */
export interface ShardGradients {
  grads: (tf.Tensor | null)[];
  n: number;
  loss: number;
  hits: number;
}

/** images to take gradients on: their features `x` ([n, featureDim]) and labels, the net and the variables it trains, the batch's dropout seed */
export interface Batch {
  net: ClassifierNet;
  variables: tf.Variable[];
  x: Float32Array;
  labels: readonly number[];
  classCount: number;
  dropoutSeed: string;
}

/**
 * Where a batch's gradients are computed: on this thread (`onThisThread`), or split across
 * threads (parallelGradients.ts: data-parallel fine-tuning on wasm, whose kernels run on one core).
 */
export interface BatchGradients {
  compute(batch: Batch): Promise<ShardGradients>;
}

export const onThisThread: BatchGradients = { compute: (batch) => shardGradients(batch) };

/**
 * The forward pass and the gradients of the mean loss over the `n` images of `batch`, for its
 * variables. `rows` places them in a larger batch they are a shard of, for the dropout mask.
 * Every tensor made here but the gradients is freed, even when it throws. A head alone, where
 * the backend reads synchronously, takes its gradients without the tape (`headGradients`).
 */
export async function shardGradients(
  { net, variables, x, labels, classCount, dropoutSeed }: Batch,
  rows: BatchRows = { offset: 0, total: labels.length },
  withoutTape = net.top === null && readsSynchronously(),
): Promise<ShardGradients> {
  const n = labels.length;
  const xs = tf.tensor2d(x, [n, x.length / n]);
  let batch: BatchLoss | undefined;
  try {
    if (withoutTape) {
      const step = headGradients(net.head, xs, labels, classCount, dropoutSeed, rows);
      const grads = variables.map((v) => step.grads.get(v.name) ?? null);
      // a gradient of a variable not asked for (none, for a head's own) is not the caller's to free
      tf.dispose([...step.grads.values()].filter((g) => !grads.includes(g)));
      return { grads, n, loss: step.loss, hits: step.hits };
    }
    const step = tf.variableGrads(() => {
      batch = batchLoss(net.logits(xs, dropoutSeed, rows), labels, classCount);
      return batch.loss;
    }, variables);
    const grads = variables.map((v) => step.grads[v.name] ?? null);
    try {
      return { grads, n, ...(await batch!.read()) };
    } finally {
      step.value.dispose();
    }
  } finally {
    xs.dispose();
    batch?.dispose();
  }
}

/**
 * The batch's gradients from its shards': each shard's loss is its own images' mean, so the
 * batch's mean gradient is the shards' weighted by their share of the images. The shards'
 * tensors are freed.
 */
export function combineShards(shards: ShardGradients[]): ShardGradients {
  if (shards.length === 1) return shards[0]!;
  const n = shards.reduce((a, s) => a + s.n, 0);
  const grads = shards[0]!.grads.map((_, i) => {
    const parts = shards.flatMap((s) => (s.grads[i] ? [s] : []));
    return parts.length ? tf.tidy(() => tf.addN(parts.map((s) => tf.mul(s.grads[i]!, s.n / n)))) : null;
  });
  for (const s of shards) tf.dispose(s.grads.filter((g): g is tf.Tensor => g !== null));
  return {
    grads,
    n,
    loss: shards.reduce((a, s) => a + s.loss * s.n, 0) / n,
    hits: shards.reduce((a, s) => a + s.hits, 0),
  };
}
