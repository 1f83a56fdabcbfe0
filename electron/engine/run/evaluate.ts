import * as tf from '@tensorflow/tfjs-core';
import type { DatasetImage } from '../../../shared/dataset';
import { accuracyOf, confusionMatrix, macroF1, perClassMetrics } from '../../../shared/metrics';
import type { Evaluation, Misclassified } from '../../../shared/run';
import type { ClassifierNet } from '../train/net';
import type { FeatureSource } from '../train/trainHead';

export interface Predictions {
  predicted: number[];
  confidence: number[];
  /** probabilities, row per image */
  probabilities: Float32Array;
}

export function predictSource(net: ClassifierNet, src: FeatureSource, classCount: number, batchSize = 256): Predictions {
  const predicted: number[] = [];
  const confidence: number[] = [];
  const probabilities = new Float32Array(src.size * classCount);
  for (let start = 0; start < src.size; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, src.size - start) }, (_, i) => start + i);
    const probs = tf.tidy(() => net.predict(tf.tensor2d(src.read(idx), [idx.length, src.featureDim])).dataSync() as Float32Array);
    probabilities.set(probs, start * classCount);
    for (let r = 0; r < idx.length; r++) {
      let best = 0;
      for (let c = 1; c < classCount; c++) if (probs[r * classCount + c]! > probs[r * classCount + best]!) best = c;
      predicted.push(best);
      confidence.push(probs[r * classCount + best]!);
    }
  }
  return { predicted, confidence, probabilities };
}

/** Confusion matrix, per-class precision/recall/F1 and the misclassified images, worst first. */
export function evaluateNet(
  net: ClassifierNet,
  src: FeatureSource,
  images: readonly DatasetImage[],
  classes: readonly string[],
): Evaluation & { raw: Predictions } {
  const predictions = predictSource(net, src, classes.length);
  const truth = images.map((i) => i.label);
  const matrix = confusionMatrix(truth, predictions.predicted, classes.length);
  const perClass = perClassMetrics(matrix, classes);
  const misclassified: Misclassified[] = [];
  images.forEach((img, i) => {
    const p = predictions.predicted[i]!;
    if (p !== img.label)
      misclassified.push({ path: img.relPath, trueClass: classes[img.label]!, predictedClass: classes[p]!, confidence: predictions.confidence[i]! });
  });
  misclassified.sort((a, b) => b.confidence - a.confidence);
  const perImage = images.map((img, i) => ({
    path: img.relPath,
    trueLabel: img.label,
    predictedLabel: predictions.predicted[i]!,
    confidence: predictions.confidence[i]!,
  }));
  return {
    accuracy: accuracyOf(matrix),
    confusionMatrix: matrix,
    classes: [...classes],
    perClass,
    macroF1: macroF1(perClass),
    misclassified,
    predictions: perImage,
    testCount: images.length,
    raw: predictions,
  };
}
