import { describe, expect, it } from 'vitest';
import { describeRun, differingKnobs, learningCurvePanels, outcomeOf, perClassCurves, perClassF1 } from './compare';
import { sampleRunRecord } from './project.fixtures';
import type { RunRecord } from './run';

function run(id: string, patch: Partial<RunRecord['config']>, accuracy = 0.5, model = 'mobilenet_v2'): RunRecord {
  const r = sampleRunRecord(id);
  r.config = { ...r.config, ...patch };
  r.model.name = model;
  r.evaluation.accuracy = accuracy;
  return r;
}

describe('runs side by side', () => {
  it('names what differed and only that', () => {
    const runs = [run('a', { learningRate: 0.001, batchSize: 4 }), run('b', { learningRate: 0.01, batchSize: 4 }), run('c', { learningRate: 1, batchSize: 32 })];
    expect(differingKnobs(runs).map((k) => k.key)).toEqual(['learningRate', 'batchSize']);
    expect(describeRun(runs[2]!, runs)).toBe('lr 1 · batch 32');
    expect(outcomeOf(runs[0]!)).toMatchObject({ accuracy: 0.5, epochsRun: 2, bestEpoch: 2, peakRssMiB: 512 });
  });

  it('draws accuracy against images per class, one line per model, in order', () => {
    const runs = [run('a', { imagesPerClass: 5 }, 0.6), run('b', { imagesPerClass: 1 }, 0.3), run('c', { imagesPerClass: 5 }, 0.7, 'inception_v3'), run('d', { imagesPerClass: null }, 0.8)];
    const curves = perClassCurves(runs);
    expect(curves.map((c) => c.model)).toEqual(['mobilenet_v2', 'inception_v3']);
    // "all" counts as the training split's images per class: 14 over 2 classes
    expect(curves[0]!.points.map((p) => [p.perClass, p.accuracy])).toEqual([[1, 0.3], [5, 0.6], [7, 0.8]]);
    // a run that differs in another knob is not drawn into the same line
    expect(perClassCurves([...runs, run('e', { imagesPerClass: 2, learningRate: 0.5 }, 0.9)])[0]!.points).toHaveLength(3);
  });

  it('lists each class\u2019s F1 across runs', () => {
    const a = run('a', {});
    const b = run('b', {});
    b.evaluation.perClass = [{ className: 'cat', precision: 1, recall: 1, f1: 1, support: 2 }];
    expect(perClassF1([a, b])).toEqual([{ className: 'cat', f1: [0.8, 1] }, { className: 'dog', f1: [2 / 3, null] }]);
  });
});

describe('learning curves', () => {
  it('shows training and validation loss and accuracy, one line a run (the learning-rate task asked about curves it did not show)', () => {
    const a = run('a', { learningRate: 0.01 });
    const b = run('b', { learningRate: 1 });
    a.epochs = [
      { epoch: 1, loss: 0.9, accuracy: 0.6, valLoss: 0.8, valAccuracy: 0.7, seconds: 0.1, samplesPerSecond: 100 },
      { epoch: 2, loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.75, seconds: 0.1, samplesPerSecond: 100 },
    ];
    // a rate that overshoots: its loss is what shows it
    b.epochs = [
      { epoch: 1, loss: 40, accuracy: 0.4, valLoss: null, valAccuracy: null, seconds: 0.1, samplesPerSecond: 100 },
      { epoch: 2, loss: Number.NaN, accuracy: 0.3, valLoss: null, valAccuracy: null, seconds: 0.1, samplesPerSecond: 100 },
    ];
    const panels = learningCurvePanels([a, b], (r) => `lr ${r.config.learningRate}`);
    expect(panels.map((p) => [p.id, p.title, p.percent])).toEqual([
      ['loss', 'Training loss', false],
      ['valLoss', 'Validation loss', false],
      ['accuracy', 'Training accuracy', true],
      ['valAccuracy', 'Validation accuracy', true],
    ]);
    expect(panels[0]!.series).toEqual([
      { name: 'lr 0.01', points: [[1, 0.9], [2, 0.5]] },
      { name: 'lr 1', points: [[1, 40]] },
    ]);
    expect(panels[1]!.series.map((s) => s.name)).toEqual(['lr 0.01']);
  });
});
