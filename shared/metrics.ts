import { z } from 'zod';

/** Classification metrics from true and predicted labels: pure maths, shared by engine and UI. */

export const classMetricsSchema = z.object({
  className: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  /** test images of the class */
  support: z.number(),
});
export type ClassMetrics = z.infer<typeof classMetricsSchema>;

/** rows: true class, columns: predicted class */
export function confusionMatrix(truth: readonly number[], predicted: readonly number[], classCount: number): number[][] {
  if (truth.length !== predicted.length) throw new Error('truth and predictions differ in length');
  const m = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i]!;
    if (t < 0 || t >= classCount || p < 0 || p >= classCount) throw new Error(`label out of range at ${i}`);
    m[t]![p]! += 1;
  });
  return m;
}

/**
 * Per-class precision, recall and F1 from a confusion matrix. A class never predicted has
 * precision 0 (sklearn's zero_division=0), so an untrained class cannot look perfect.
 */
export function perClassMetrics(matrix: readonly (readonly number[])[], classNames: readonly string[]): ClassMetrics[] {
  return classNames.map((className, c) => {
    const tp = matrix[c]![c]!;
    const support = matrix[c]!.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + row[c]!, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { className, precision, recall, f1, support };
  });
}

export function accuracyOf(matrix: readonly (readonly number[])[]): number {
  let correct = 0;
  let total = 0;
  matrix.forEach((row, i) =>
    row.forEach((v, j) => {
      total += v;
      if (i === j) correct += v;
    }),
  );
  return total ? correct / total : 0;
}

export function macroF1(perClass: readonly ClassMetrics[]): number {
  const present = perClass.filter((c) => c.support > 0);
  return present.length ? present.reduce((a, c) => a + c.f1, 0) / present.length : 0;
}
