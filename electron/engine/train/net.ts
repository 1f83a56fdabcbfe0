import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { headLogits, type BatchRows } from './head';

/**
 * What trains on the cached features: the new head alone, or fine-tuned top layers of the
 * backbone with the head on them. Either maps a batch of cached features [n, featureDim] to
 * class probabilities, and names its variables in groups that take their own learning rate.
 */
export interface ClassifierNet {
  readonly head: tfl.Sequential;
  /** the fine-tuned top layers (input: the split layer's output), or null */
  readonly top: tfl.LayersModel | null;
  /** class probabilities [n, classes], for inference */
  predict(features: tf.Tensor2D): tf.Tensor2D;
  /**
   * the logits [n, classes] the probabilities come from; a `dropoutSeed` means training:
   * dropout on, with that batch's mask (BatchNorm stays in inference mode)
   */
  logits(features: tf.Tensor2D, dropoutSeed?: string, rows?: BatchRows): tf.Tensor2D;
  /** what the head is given for these cached features [n, head's input]: them, or the fine-tuned layers' pooled output */
  headInput(features: tf.Tensor2D): tf.Tensor2D;
  /** variables to train, with their learning rate as a factor of the configured one */
  groups(): { variables: tf.Variable[]; learningRateFactor: number }[];
  getWeights(): tf.Tensor[];
  setWeights(weights: tf.Tensor[]): void;
  dispose(): void;
}

/** probabilities from a net's logits */
const probabilities = (logits: (x: tf.Tensor2D) => tf.Tensor2D) => (x: tf.Tensor2D) => tf.tidy(() => tf.softmax(logits(x)));

export function headNet(head: tfl.Sequential): ClassifierNet {
  const logits = (x: tf.Tensor2D, dropoutSeed?: string, rows?: BatchRows) => headLogits(head, x, dropoutSeed, rows);
  return {
    head,
    top: null,
    logits,
    predict: probabilities(logits),
    headInput: (x) => tf.clone(x),
    groups: () => [{ variables: head.trainableWeights.map((w) => w.read() as tf.Variable), learningRateFactor: 1 }],
    getWeights: () => head.getWeights(),
    setWeights: (w) => head.setWeights(w),
    dispose: () => head.dispose(),
  };
}

/**
 * Top layers + pooling + head. The cache holds the split layer's output flattened; it is
 * reshaped back to [n, h, w, c] before the top layers run.
 */
export function fineTunedNet(top: tfl.LayersModel, pooling: 'avg' | 'none', head: tfl.Sequential, learningRateFactor: number): ClassifierNet {
  const inShape = (top.inputs[0]!.shape as (number | null)[]).slice(1) as number[];
  const topCount = top.getWeights().length;
  const headInput = (x: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      // the top runs in inference mode always: its BatchNorm keeps the statistics it learnt on ImageNet
      const y = top.apply(tf.reshape(x, [x.shape[0], ...inShape]), { training: false }) as tf.Tensor;
      if (y.rank !== 4) return y as tf.Tensor2D;
      return (pooling === 'avg' ? tf.mean(y, [1, 2]) : tf.reshape(y, [y.shape[0]!, -1])) as tf.Tensor2D;
    });
  const logits = (x: tf.Tensor2D, dropoutSeed?: string, rows?: BatchRows) => tf.tidy(() => headLogits(head, headInput(x), dropoutSeed, rows));
  return {
    head,
    top,
    logits,
    headInput,
    predict: probabilities(logits),
    groups: () => [
      { variables: head.trainableWeights.map((w) => w.read() as tf.Variable), learningRateFactor: 1 },
      { variables: top.trainableWeights.map((w) => w.read() as tf.Variable), learningRateFactor },
    ],
    getWeights: () => [...top.getWeights(), ...head.getWeights()],
    setWeights: (w) => {
      top.setWeights(w.slice(0, topCount));
      head.setWeights(w.slice(topCount));
    },
    dispose: () => {
      head.dispose();
      top.dispose();
    },
  };
}
