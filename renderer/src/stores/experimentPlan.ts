import type { DeepReadonly } from 'vue';
import { findCatalogEntry } from '../../../shared/catalog';
import type { DatasetScan } from '../../../shared/dataset';
import type { Preprocessing } from '../../../shared/preprocessing';
import { findReusable, type RunSettings } from '../../../shared/reuse';
import type { TrainConfig } from '../../../shared/run';
import { planSweep, plannedConfig, type PlannedRun, type SweepAxes } from '../../../shared/sweep';
import type { ModelInspection, RunRecord } from '../api/types';
import { plain } from '../util/clone';
import type { PlannedEntry } from './jobRuns';

/** a finished run of the project taken instead of training one with the same settings again */
export interface ReusedRun {
  /** its place in the experiments' plan */
  planIndex: number;
  label: string;
  runId: string;
  runDir: string;
}

/** what the app knows, before a run, of what it will be made with (read from the stores: jobInput.ts) */
export interface PlanFacts {
  scan: DeepReadonly<DatasetScan> | null;
  /** the split was edited since the scan: the held-out images are not known yet */
  splitChanged: boolean;
  /** the loaded model, as the Model step has it */
  source: string | null;
  inspection: DeepReadonly<ModelInspection> | null;
  /** the cut the loaded model will be cut at */
  effectiveCut: string | null;
}

/** the experiments a sweep would run, planned here as the engine plans them */
export function planExperiments(source: string, config: TrainConfig, axes: SweepAxes): PlannedRun[] {
  return planSweep({ model: source, config, perClass: config.imagesPerClass, fineTune: config.fineTuneLayers }, axes);
}

/**
 * What a planned run will be made with, as far as the app can know before it runs: the
 * scanned data, the loaded model (its files, cut, preprocessing) or a catalog model at its
 * default cut, and every hyper-parameter. Null where something is not known (no scan, a
 * split edited since it, a folder or address not loaded): such a run is never reused.
 */
export function runSettings(p: PlannedRun, facts: PlanFacts): RunSettings | null {
  const { scan, inspection } = facts;
  if (!scan || facts.splitChanged) return null;
  let m: RunSettings['model'];
  if (p.model === facts.source && inspection?.source === p.model) {
    const cut = facts.effectiveCut;
    if (!cut) return null;
    m = {
      source: p.model,
      key: inspection.key,
      cut: inspection.format === 'graph' ? null : cut,
      preprocessing: plain(inspection.preprocessing) as Preprocessing,
    };
  } else {
    const entry = findCatalogEntry(p.model);
    if (!entry || (entry.format === 'layers' && !entry.defaultCut)) return null;
    m = { source: p.model, key: null, cut: entry.format === 'layers' ? entry.defaultCut! : null, preprocessing: plain(entry.preprocessing) };
  }
  const count = (split: 'val' | 'test') => scan.images.filter((i) => i.split === split).length;
  return {
    dataset: { root: scan.root, split: { ...scan.split }, classes: [...scan.classes], valCount: count('val'), testCount: count('test') },
    model: m,
    config: plannedConfig(p),
  };
}

/** for each planned run, a finished run among `runs` made with exactly its settings (the latest), or null */
export function reusableFor<T extends { record: RunRecord }>(plan: readonly PlannedRun[], runs: readonly T[], facts: PlanFacts): (T | null)[] {
  return plan.map((p) => {
    const s = runSettings(p, facts);
    return s ? findReusable(runs, s) : null;
  });
}

/**
 * The plan split in two by what was found to reuse: the runs taken from the project, and the
 * grid the engine will run (the same plan less those, numbered from 0), listed from the start.
 * `skip` is what the engine is told to leave out, by place in the plan.
 */
export function splitPlan(
  plan: readonly PlannedRun[],
  found: readonly ({ runDir: string; record: RunRecord } | null)[],
): { taken: ReusedRun[]; toRun: PlannedEntry[]; skip: number[] } {
  const taken: ReusedRun[] = plan.flatMap((p, i) => {
    const f = found[i];
    return f ? [{ planIndex: p.index, label: p.label, runId: f.record.id, runDir: f.runDir }] : [];
  });
  const toRun = plan.filter((p) => !taken.some((t) => t.planIndex === p.index)).map((p, i) => ({ index: i, label: p.label, epochs: p.config.epochs }));
  return { taken, toRun, skip: taken.map((t) => t.planIndex) };
}
