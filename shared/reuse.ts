import type { SplitFractions } from './dataset';
import type { Preprocessing } from './preprocessing';
import type { RunRecord, TrainConfig } from './run';

/**
 * Reusing a finished run instead of training it again: a run whose settings are exactly the
 * ones asked — the same data (folder, split, classes, validation and test images), the same
 * model (its files, cut and preprocessing) and every hyper-parameter, seed included — would
 * train to the same result, so the lab and the sweeps take the one already made.
 */
export interface RunSettings {
  dataset: { root: string; split: SplitFractions; classes: readonly string[]; valCount: number; testCount: number };
  model: {
    source: string;
    /** the model files' identity, where known (the loaded model); null: the source decides */
    key: string | null;
    /** the bottleneck the run will cut at; null: any (a graph model, cut by its publisher) */
    cut: string | null;
    preprocessing: Preprocessing | null;
  };
  config: TrainConfig;
}

/** one JSON for one value, whatever order its keys were written in */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function sameSettings(r: RunRecord, s: RunSettings): boolean {
  const d = r.dataset;
  return (
    d.root === s.dataset.root &&
    d.split.val === s.dataset.split.val &&
    d.split.test === s.dataset.split.test &&
    canonical(d.classes) === canonical(s.dataset.classes) &&
    d.counts.val === s.dataset.valCount &&
    d.counts.test === s.dataset.testCount &&
    r.model.source === s.model.source &&
    (s.model.key === null || r.model.key === s.model.key) &&
    (s.model.cut === null || r.model.cut === s.model.cut) &&
    (s.model.preprocessing === null || canonical(r.model.preprocessing) === canonical(s.model.preprocessing)) &&
    canonical(r.config) === canonical(s.config)
  );
}

/** the latest finished run made with exactly these settings, if there is one */
export function findReusable<T extends { record: RunRecord }>(runs: readonly T[], s: RunSettings): T | null {
  for (let i = runs.length - 1; i >= 0; i--) if (sameSettings(runs[i]!.record, s)) return runs[i]!;
  return null;
}
