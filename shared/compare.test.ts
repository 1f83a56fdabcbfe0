import { describe, expect, it } from 'vitest';
import { describeRun, differingKnobs, knobs, learningCurvePanels, outcomeOf, peakMemoryText, perClassCurves, perClassF1, runLabel } from './compare';
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
    const runs = [
      run('a', { learningRate: 0.001, batchSize: 4 }),
      run('b', { learningRate: 0.01, batchSize: 4 }),
      run('c', { learningRate: 1, batchSize: 32 }),
    ];
    expect(differingKnobs(runs).map((k) => k.key)).toEqual(['learningRate', 'batchSize']);
    expect(describeRun(runs[2]!, runs)).toBe('lr 1 · batch 32');
    expect(outcomeOf(runs[0]!)).toMatchObject({ accuracy: 0.5, epochsRun: 2, bestEpoch: 2, peakRssMiB: 512 });
  });

  it('draws accuracy against images per class, one line per model, in order', () => {
    const runs = [
      run('a', { imagesPerClass: 5 }, 0.6),
      run('b', { imagesPerClass: 1 }, 0.3),
      run('c', { imagesPerClass: 5 }, 0.7, 'inception_v3'),
      run('d', { imagesPerClass: null }, 0.8),
    ];
    const curves = perClassCurves(runs);
    expect(curves.map((c) => c.model)).toEqual(['mobilenet_v2', 'inception_v3']);
    // "all" counts as the training split's images per class: 14 over 2 classes
    expect(curves[0]!.points.map((p) => [p.perClass, p.accuracy])).toEqual([
      [1, 0.3],
      [5, 0.6],
      [7, 0.8],
    ]);
    // a run that differs in another knob is not drawn into the same line
    expect(perClassCurves([...runs, run('e', { imagesPerClass: 2, learningRate: 0.5 }, 0.9)])[0]!.points).toHaveLength(3);
  });

  it('names every setting that differs among the runs shown together, and only those', () => {
    const perClass = [run('a', { imagesPerClass: 5 }), run('b', { imagesPerClass: null })];
    expect(perClass.map((r) => describeRun(r, perClass))).toEqual(['per class 5', 'per class all (7)']);
    const epochs = [run('a', { epochs: 10 }), run('b', { epochs: 40 })];
    expect(epochs.map((r) => describeRun(r, epochs))).toEqual(['epochs 10', 'epochs 40']);
    // the settings a run is made with that no label named: patience, SGD's momentum, the fine-tuning rate, the data and its split
    const patience = [run('a', { patience: 5 }), run('b', { patience: 0 })];
    expect(patience.map((r) => describeRun(r, patience))).toEqual(['patience 5', 'patience off']);
    const momentum = [run('a', { optimizer: 'sgd', momentum: 0.9 }), run('b', { optimizer: 'sgd', momentum: 0.5 })];
    expect(momentum.map((r) => describeRun(r, momentum))).toEqual(['momentum 0.9', 'momentum 0.5']);
    const data = [run('a', {}), run('b', {}), run('c', {})];
    data[1]!.dataset = { ...data[1]!.dataset, root: '/data/flowers' };
    data[2]!.dataset = { ...data[2]!.dataset, split: { val: 0.2, test: 0.2 } };
    expect(data.map((r) => describeRun(r, data))).toEqual([
      'dataset pets · val / test 0.1 / 0.2',
      'dataset flowers · val / test 0.1 / 0.2',
      'dataset pets · val / test 0.2 / 0.2',
    ]);
    const tuned = [run('a', { fineTuneLearningRateFactor: 0.1 }), run('b', { fineTuneLearningRateFactor: 0.5 })];
    for (const r of tuned) r.model.fineTune = { split: 'block_15_add', splitShape: [7, 7, 160], layers: ['Conv_1'], trainableParams: 409_600 };
    expect(tuned.map((r) => describeRun(r, tuned))).toEqual(['fine-tune lr 0.1×', 'fine-tune lr 0.5×']);
    // a head-only run beside a fine-tuned one: no fine-tuning rate ("fine-tune lr –" before), and an Adam run no momentum
    const headAndTuned = [run('a', {}), tuned[0]!];
    expect(headAndTuned.map((r) => describeRun(r, headAndTuned))).toEqual(['fine-tune 0', 'fine-tune 1 · fine-tune lr 0.1×']);
    const sgdAndAdam = [run('a', { optimizer: 'sgd', momentum: 0.9 }), run('b', { optimizer: 'adam' })];
    expect(sgdAndAdam.map((r) => describeRun(r, sgdAndAdam))).toEqual(['optimizer sgd · momentum 0.9', 'optimizer adam']);
    // Adam has no momentum: a momentum left over from SGD is no difference
    const adam = [run('a', { momentum: 0.9 }), run('b', { momentum: 0.5 })];
    expect(differingKnobs(adam)).toEqual([]);
  });

  it('covers every setting of a run: two runs that agree on every knob were asked the same', () => {
    const a = run('a', {});
    const keys = Object.keys(a.config).filter((k) => k !== 'fineTuneLayers');
    for (const key of keys) {
      const b = run('b', {});
      const c = b.config as unknown as Record<string, unknown>;
      const v = c[key];
      c[key] = typeof v === 'number' ? v + 1 : typeof v === 'object' && v !== null ? { ...v, hiddenUnits: 7 } : key === 'optimizer' ? 'sgd' : 3;
      if (key === 'momentum') b.config.optimizer = a.config.optimizer = 'sgd';
      if (key === 'fineTuneLearningRateFactor') a.model.fineTune = b.model.fineTune = { split: 's', splitShape: [1], layers: ['l'], trainableParams: 1 };
      expect(
        knobs.some((k) => k.value(a) !== k.value(b)),
        key,
      ).toBe(true);
      a.config.optimizer = 'adam';
      delete a.model.fineTune;
    }
  });

  it('gives each run one label for charts, tables and the report: its number, then what differs', () => {
    const runs = [run('a', { imagesPerClass: 5 }), run('b', { imagesPerClass: 10 }), run('c', { imagesPerClass: 10 })];
    expect(runs.map((r) => runLabel(r, runs))).toEqual(['1: per class 5', '2: per class 10', '3: per class 10']);
    // numbered as the project numbers them, described among the runs shown
    expect(runLabel(runs[2]!, [runs[1]!, runs[2]!], runs)).toBe('3: mobilenet_v2');
  });

  it('lists each class\u2019s F1 across runs', () => {
    const a = run('a', {});
    const b = run('b', {});
    b.evaluation.perClass = [{ className: 'cat', precision: 1, recall: 1, f1: 1, support: 2 }];
    expect(perClassF1([a, b])).toEqual([
      { className: 'cat', f1: [0.8, 1] },
      { className: 'dog', f1: [2 / 3, null] },
    ]);
  });
});

describe("a run's peak memory", () => {
  it('stands beside what the engine held when the run began, where the run kept it', () => {
    const r: RunRecord = { ...sampleRunRecord('r'), peakRssMiB: 830, rssAtStartMiB: 800 };
    expect(outcomeOf(r).rssAtStartMiB).toBe(800);
    expect(peakMemoryText(outcomeOf(r))).toBe('830 MiB (800 at its start)');
    const { rssAtStartMiB: _, ...old } = r;
    expect(peakMemoryText(outcomeOf(old))).toBe('830 MiB');
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
      {
        name: 'lr 0.01',
        points: [
          [1, 0.9],
          [2, 0.5],
        ],
      },
      { name: 'lr 1', points: [[1, 40]] },
    ]);
    expect(panels[1]!.series.map((s) => s.name)).toEqual(['lr 0.01']);
  });
});
