import { describe, expect, it } from 'vitest';
import { defaultTrainConfig } from './run';
import { maxSweepRuns, planSweep } from './sweep';

const base = { model: 'models/mobilenet_v2', config: defaultTrainConfig };

describe('sweep planner', () => {
  it('plans the lab sweep: 3 learning rates × 2 batch sizes, six runs labelled by what differs', () => {
    const runs = planSweep(base, { learningRate: [0.001, 0.01, 1], batchSize: [4, 32] });
    expect(runs).toHaveLength(6);
    expect(runs.map((r) => r.label)).toEqual([
      'batch 4 · lr 0.001',
      'batch 4 · lr 0.01',
      'batch 4 · lr 1',
      'batch 32 · lr 0.001',
      'batch 32 · lr 0.01',
      'batch 32 · lr 1',
    ]);
    expect(runs.map((r) => [r.config.batchSize, r.config.learningRate])).toContainEqual([32, 0.01]);
    // the rest of the configuration is the base's
    for (const r of runs) expect(r.config.epochs).toBe(defaultTrainConfig.epochs);
    expect(runs.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('puts models outermost, so each fills its cache once, and dedupes values', () => {
    const runs = planSweep(base, { model: ['a/mobilenet_v2', 'b/inception_v3/'], perClass: [1, 5, 5], learningRate: [0.01, 0.01] });
    expect(runs.map((r) => r.label)).toEqual(['mobilenet_v2 · 1/class', 'mobilenet_v2 · 5/class', 'inception_v3 · 1/class', 'inception_v3 · 5/class']);
    expect(runs.map((r) => r.model)).toEqual(['a/mobilenet_v2', 'a/mobilenet_v2', 'b/inception_v3/', 'b/inception_v3/']);
  });

  it('a sweep of nothing is the base run', () => {
    expect(planSweep(base, {})).toEqual([{ index: 0, model: base.model, config: base.config, perClass: null, fineTune: 0, label: 'one run' }]);
  });

  it('refuses bad values and oversized grids before anything runs', () => {
    // each value by its setting's rule, with the rule's message (shared/trainConfig.ts)
    expect(() => planSweep(base, { learningRate: [0.01, -1] })).toThrow('The learning rate must be a number above 0 and at most 10.');
    expect(() => planSweep(base, { learningRate: [11] })).toThrow('The learning rate must be a number above 0 and at most 10.');
    expect(() => planSweep(base, { batchSize: [0] })).toThrow('The batch size must be a whole number from 1 to 65536.');
    expect(() => planSweep(base, { perClass: [2.5] })).toThrow('Images per class must be a whole number, 1 or more (or all of them).');
    expect(() =>
      planSweep(base, { learningRate: Array.from({ length: 9 }, (_, i) => (i + 1) / 100), batchSize: Array.from({ length: 8 }, (_, i) => i + 1) }),
    ).toThrow(new RegExp(`at most ${maxSweepRuns}`));
  });
});
