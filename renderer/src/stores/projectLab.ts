import type { LabProgress } from '../../../shared/lab';

/**
 * The guided lab's progress as the project keeps it: the answers, the runs each task made,
 * the task open last. Each change makes a new object, so the project sees it as a change.
 */

/** the lab `labId` begun, or the progress in it kept when it is the one already begun */
export function startedLab(lab: LabProgress | null, labId: string): LabProgress {
  return lab?.labId === labId ? lab : { labId, answers: {}, runs: {}, task: null };
}

export function withLabAnswer(lab: LabProgress, questionId: string, text: string): LabProgress {
  return { ...lab, answers: { ...lab.answers, [questionId]: text } };
}

/** a run taken out of every task that counted it */
export function withoutLabRun(lab: LabProgress, runId: string): LabProgress {
  const runs = Object.fromEntries(Object.entries(lab.runs).map(([task, ids]) => [task, ids.filter((id) => id !== runId)]));
  return { ...lab, runs };
}

/** a run counted for a task once, however often it is reported (reused, rejoined) */
export function withLabRun(lab: LabProgress, taskId: string, runId: string): LabProgress {
  const have = lab.runs[taskId] ?? [];
  return have.includes(runId) ? lab : { ...lab, runs: { ...lab.runs, [taskId]: [...have, runId] } };
}
