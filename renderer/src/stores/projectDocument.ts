import type { SplitFractions } from '../../../shared/dataset';
import { defaultTrainConfig, type TrainConfig } from '../../../shared/run';
import type { LabProgress } from '../../../shared/lab';
import type { RunRecord } from '../api/types';
import { plain } from '../util/clone';
import { baseName } from '../util/format';

/**
 * What a project holds, as the stores see it. The file's schema (shared/project.ts) is
 * mapped to and from this in projectFile.ts, the one place that knows the file's details.
 */
export interface ProjectRun {
  /** the run's folder (head weights and run.json): the engine's workspace until the first save */
  runDir: string;
  record: RunRecord;
  label?: string;
  notes?: string;
}

export interface ProjectState {
  name: string;
  dataset: { root: string; split: SplitFractions } | null;
  model: { source: string } | null;
  freeze: { cut: string | null };
  training: TrainConfig;
  runs: ProjectRun[];
  notes: string;
  lab: LabProgress | null;
  ui: { step: string };
}

/**
 * What decides "unsaved changes": everything but the open step, and runs by id only (a run
 * never changes once written, and saving moves its folder beside the project).
 */
export function signatureOf(s: ProjectState): string {
  const { ui: _ui, runs, lab, ...rest } = s;
  const labWork = lab && { labId: lab.labId, answers: lab.answers, runs: lab.runs };
  return JSON.stringify({ ...rest, lab: labWork, runs: runs.map((r) => [r.record.id, r.label ?? '', r.notes ?? '']) });
}

/** the name of a project never named */
export const UNTITLED = 'Untitled project';

/** a new project: nothing chosen, the default hyper-parameters, the first step */
export function emptyState(): ProjectState {
  return {
    name: UNTITLED,
    dataset: null,
    model: null,
    freeze: { cut: null },
    training: plain(defaultTrainConfig),
    runs: [],
    notes: '',
    lab: null,
    ui: { step: 'dataset' },
  };
}

/** the name a project takes from its file the first time it is saved: a named project keeps its own */
export function nameOnSave(name: string, file: string): string {
  return name === UNTITLED ? baseName(file).replace(/\.tlab$/i, '') || UNTITLED : name;
}
