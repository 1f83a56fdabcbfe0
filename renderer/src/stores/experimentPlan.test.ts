import { describe, expect, it } from 'vitest';
import { modelCatalog } from '../../../shared/catalog';
import { defaultTrainConfig } from '../../../shared/run';
import type { PlannedRun } from '../../../shared/sweep';
import { sampleInspection, sampleRun, sampleScan } from '../testing/fixtures';
import { planExperiments, reusableFor, runSettings, splitPlan, type PlanFacts } from './experimentPlan';

const facts: PlanFacts = { scan: sampleScan(), splitChanged: false, source: '/models/mnv2', inspection: sampleInspection(), effectiveCut: 'out_relu' };
const plan = planExperiments('/models/mnv2', { ...defaultTrainConfig }, { learningRate: [0.01, 0.1] });
const planned = (model: string): PlannedRun => ({ ...plan[0]!, model });

describe("an experiment's plan", () => {
  it('plans the grid as the engine does', () => {
    expect(plan.map((p) => [p.index, p.label, p.config.learningRate])).toEqual([
      [0, 'lr 0.01', 0.01],
      [1, 'lr 0.1', 0.1],
    ]);
  });

  it('knows what a run of the loaded model will be made with', () => {
    const s = runSettings(plan[0]!, facts);
    expect(s).toMatchObject({
      dataset: { root: '/data/pets', classes: ['cat', 'dog'], valCount: 2, testCount: 2 },
      model: { source: '/models/mnv2', key: 'k1', cut: 'out_relu' },
      config: { learningRate: 0.01 },
    });
    // a graph model is cut by its publisher: any cut matches
    expect(runSettings(plan[0]!, { ...facts, inspection: { ...sampleInspection(), format: 'graph' } })?.model.cut).toBeNull();
  });

  it('knows nothing without a scan, with an edited split, or with no cut yet', () => {
    expect(runSettings(plan[0]!, { ...facts, scan: null })).toBeNull();
    expect(runSettings(plan[0]!, { ...facts, splitChanged: true })).toBeNull();
    expect(runSettings(plan[0]!, { ...facts, effectiveCut: null })).toBeNull();
  });

  it('takes a catalog model at its default cut, and knows nothing of a folder not loaded', () => {
    const entry = modelCatalog.find((e) => e.format === 'layers' && e.defaultCut)!;
    expect(runSettings(planned(entry.id), facts)?.model).toEqual(expect.objectContaining({ source: entry.id, key: null, cut: entry.defaultCut }));
    expect(runSettings(planned('/models/other'), facts)).toBeNull();
  });

  it('finds the latest run made with exactly the settings, and none when one differs', () => {
    const made = (id: string, lr: number) => {
      const record = sampleRun(id);
      record.dataset.counts = { train: 2, val: 2, test: 2 };
      record.config = { ...record.config, learningRate: lr };
      return { runDir: `/work/runs/${id}`, record };
    };
    const runs = [made('old', 0.01), made('other', 0.5), made('new', 0.01)];
    expect(reusableFor(plan, runs, facts).map((r) => r?.record.id ?? null)).toEqual(['new', null]);
  });

  it('splits the plan into runs taken and runs to train, numbered afresh', () => {
    const three = planExperiments('/models/mnv2', { ...defaultTrainConfig, epochs: 7 }, { learningRate: [0.01, 0.1, 1] });
    const found = [null, { runDir: '/work/runs/r1', record: sampleRun('r1') }, null];
    expect(splitPlan(three, found)).toEqual({
      taken: [{ planIndex: 1, label: 'lr 0.1', runId: 'r1', runDir: '/work/runs/r1' }],
      toRun: [
        { index: 0, label: 'lr 0.01', epochs: 7 },
        { index: 1, label: 'lr 1', epochs: 7 },
      ],
      skip: [1],
    });
    expect(splitPlan(three, [null, null, null]).skip).toEqual([]);
  });
});
