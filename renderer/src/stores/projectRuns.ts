import type { ProjectOwner, RequestOutput } from '../../../shared/contract';
import type { TrainConfig } from '../../../shared/run';
import { api } from '../api/client';
import type { RunRecord } from '../api/types';
import type { ProjectRun } from './projectDocument';

/** a run the engine kept for this project while no window showed it, with the Train settings it started with */
export type RunFinishedElsewhere = RequestOutput<'project.finishedRuns'>['runs'][number];

/** the runs with one more: a run is in a project once, by its id */
export function withRun(runs: ProjectRun[], runDir: string, record: RunRecord): ProjectRun[] {
  return runs.some((r) => r.record.id === record.id) ? runs : [...runs, { runDir, record }];
}

/** the runs where saving put them: it copies new runs beside the project file */
export function withSavedDirs(runs: readonly ProjectRun[], saved: readonly { id: string; weightsDir: string }[]): ProjectRun[] {
  const moved = new Map(saved.map((run) => [run.id, run.weightsDir]));
  return runs.map((run) => ({ ...run, runDir: moved.get(run.record.id) ?? run.runDir }));
}

/** the Train settings the latest of these runs started with, if any said */
export function lastForm(found: readonly RunFinishedElsewhere[]): TrainConfig | null {
  return [...found].reverse().find((r) => r.form)?.form ?? null;
}

/** what the user is told when runs finished while the app was closed joined the project */
export function joinedMessage(n: number): string {
  return `${n} run${n === 1 ? '' : 's'} finished while the app was closed and ${n === 1 ? 'was' : 'were'} added; save to keep ${n === 1 ? 'it' : 'them'}.`;
}

/**
 * The runs the engine kept for this project (`owner`) that it does not `have`: an engine
 * without the request, or gone, answers none (the runs stay on disk, nothing is lost).
 */
export async function runsFinishedElsewhere(owner: ProjectOwner, have: string[]): Promise<RunFinishedElsewhere[]> {
  try {
    return (await api.call('project.finishedRuns', { owner: { ...owner }, have })).runs;
  } catch {
    return [];
  }
}

/** a draft's runs, each re-read from its folder; a run whose folder is gone is left out */
export async function rereadRuns(runs: readonly Omit<ProjectRun, 'record'>[]): Promise<ProjectRun[]> {
  const read = await Promise.all(
    runs.map((run) =>
      api
        .call('run.read', { runDir: run.runDir })
        .then((record) => ({ ...run, record }))
        .catch(() => null),
    ),
  );
  return read.filter((r): r is ProjectRun => r !== null);
}
