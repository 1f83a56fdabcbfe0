import type { SplitFractions } from '../../../shared/dataset';
import type { TrainConfig } from '../../../shared/run';
import type { LabProgress } from '../../../shared/lab';
import type { RunRecord } from '../api/types';

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
