import { describe, expect, it } from 'vitest';
import { accuracyOf, confusionMatrix, macroF1, perClassMetrics } from './metrics';

describe('classification metrics', () => {
  const truth = [0, 0, 0, 1, 1, 2, 2, 2, 2];
  const pred = [0, 0, 1, 1, 1, 2, 2, 0, 2];
  const m = confusionMatrix(truth, pred, 3);

  it('counts true class by row and predicted class by column', () => {
    expect(m).toEqual([
      [2, 1, 0],
      [0, 2, 0],
      [1, 0, 3],
    ]);
    expect(accuracyOf(m)).toBeCloseTo(7 / 9);
  });

  it('computes precision, recall and F1 per class like sklearn', () => {
    const pc = perClassMetrics(m, ['a', 'b', 'c']);
    expect(pc[0]!.precision).toBeCloseTo(2 / 3);
    expect(pc[0]!.recall).toBeCloseTo(2 / 3);
    expect(pc[1]!.precision).toBeCloseTo(2 / 3);
    expect(pc[1]!.recall).toBe(1);
    expect(pc[1]!.f1).toBeCloseTo(0.8);
    expect(pc[2]!.support).toBe(4);
    expect(macroF1(pc)).toBeCloseTo((2 / 3 + 0.8 + 6 / 7) / 3);
  });

  it('gives a never-predicted class precision 0, not NaN', () => {
    const pc = perClassMetrics(confusionMatrix([0, 1], [0, 0], 2), ['a', 'b']);
    expect(pc[1]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('rejects labels out of range', () => {
    expect(() => confusionMatrix([0, 3], [0, 0], 2)).toThrow(/out of range/);
  });
});
