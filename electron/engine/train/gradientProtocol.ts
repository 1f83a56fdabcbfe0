import type { HeadConfig } from '../../../shared/run';
import type { BatchRows } from './head';

/** What a shard worker builds: the same fine-tuned top and head as the run's, from the same model folder. */
export interface GradientWorkerData {
  role: 'gradients';
  modelDir: string;
  split: string;
  cut: string;
  pooling: 'avg' | 'none';
  headInputDim: number;
  classCount: number;
  head: HeadConfig;
  seed: number;
  /** the trained variables' shapes, in order: the worker's net must have the same */
  shapes: number[][];
}

export type ToGradientWorker =
  | {
      type: 'step';
      id: number;
      /** the trained variables' values now, in order */
      weights: Float32Array[];
      /** this shard's features, [labels.length, featureDim] */
      x: Float32Array;
      labels: number[];
      dropoutSeed: string;
      rows: BatchRows;
    }
  | { type: 'close' };

export type FromGradientWorker =
  | { type: 'ready' }
  | { type: 'grads'; id: number; grads: (Float32Array | null)[]; n: number; loss: number; hits: number }
  /** a step (id) or the start (no id) failed: the worker is of no more use */
  | { type: 'failed'; id?: number; message: string };
