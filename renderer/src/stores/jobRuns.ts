import type { TransferLabErrorData } from '../../../shared/errors';
import type { EventPayload, RunStatus } from '../../../shared/contract';
import type { JobSnapshot } from '../api/types';

/** one run of the job as the UI lists it: one for a training, the grid of a sweep */
export interface JobRunEntry {
  index: number;
  label: string;
  status: RunStatus;
  runDir: string | null;
  error: TransferLabErrorData | null;
  resumable: boolean;
  runId: string | null;
  /** the epochs this run is set to train: the counter is right before its first epoch ends */
  epochs: number | null;
}

/** a run as planned before the engine has run it: its place in the job, its label, its epochs where known */
export type PlannedEntry = { index: number; label: string; epochs?: number | null | undefined };

/** the engine's word that one run of a job ended */
export type RunEnded = EventPayload<'job.run'>;

/** a planned run listed before it runs: the first is running, the rest wait their turn */
export function plannedEntry(p: PlannedEntry): JobRunEntry {
  return { ...p, epochs: p.epochs ?? null, status: p.index === 0 ? 'running' : 'queued', runDir: null, error: null, resumable: false, runId: null };
}

/** the runs with run `index` running: a sweep's next run has started */
export function withRunStarted(runs: readonly JobRunEntry[], index: number): JobRunEntry[] {
  return runs.map((r) => (r.index === index ? { ...r, status: 'running' } : r));
}

/** the runs with the one that ended as the engine reported it */
export function withRunEnded(runs: readonly JobRunEntry[], p: RunEnded): JobRunEntry[] {
  return runs.map((r) =>
    r.index === p.index ? { ...r, status: p.status, runDir: p.runDir, error: p.error, resumable: p.resumable, runId: p.run?.id ?? null } : r,
  );
}

/**
 * The engine's plan of the runs once it answers: its list and labels are the word, and the
 * statuses heard before its answer (a run that already ended) stay.
 */
export function withEnginePlan(runs: readonly JobRunEntry[], plan: readonly PlannedEntry[]): JobRunEntry[] {
  return plan.map((p) => ({ ...plannedEntry(p), ...runs.find((e) => e.index === p.index), label: p.label, epochs: p.epochs ?? null }));
}

/** the runs of a job the engine already has (a reloaded window): their ids come with job.run, not the snapshot */
export function snapshotRuns(job: JobSnapshot): JobRunEntry[] {
  return job.runs.map((r) => ({ ...r, epochs: r.epochs ?? null, runId: null }));
}

/** the folder a stopped job's run can go on from (it kept its checkpoint), or null */
export function resumableDirOf(job: Pick<JobSnapshot, 'status' | 'runs' | 'current'>): string | null {
  const cur = job.runs[job.current];
  return job.status === 'cancelled' && cur?.resumable ? cur.runDir : null;
}
