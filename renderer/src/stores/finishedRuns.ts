import type { RunRecord } from '../api/types';

/** a run of this project's job that finished: the project store takes it in (onRunFinished) */
export interface FinishedRun {
  runDir: string;
  run: RunRecord;
  /** the lab task whose experiment made it, if any */
  labTask: string | null;
}

/**
 * The finished runs handed on: the job store adds each as it ends, and whoever listens (the
 * project store) gets those finished so far, then each new one. The arrow points one way: the
 * listener imports the job store, never the other way round.
 */
export function createFinishedRuns() {
  const finished: FinishedRun[] = [];
  const listeners = new Set<(f: FinishedRun) => void>();

  function add(f: FinishedRun): void {
    finished.push(f);
    for (const l of listeners) l(f);
  }

  /** the listener gets the runs finished so far, then each as it finishes; the answer stops it */
  function listen(listener: (f: FinishedRun) => void): () => void {
    for (const f of finished) listener(f);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return { add, listen };
}
