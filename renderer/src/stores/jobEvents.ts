import { ref } from 'vue';
import { api } from '../api/client';
import type { ProjectOwner } from '../../../shared/contract';
import type { JobEvent, JobFinished, JobSnapshot, JobStatus } from '../api/types';
import type { ReusedRun } from './experimentPlan';
import type { createFinishedRuns } from './finishedRuns';
import { createJobJoin, heardOf, joinsProject } from './jobJoin';
import { plannedEntry, resumableDirOf, snapshotRuns, withRunEnded, withRunStarted, type JobRunEntry, type PlannedEntry } from './jobRuns';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';
import { useProjectOwnerStore } from './projectOwner';
import type { RunView } from './runView';

/**
 * Tracking the job shown: which it is, whose, its status and runs, drawn from the engine's
 * events (job.event, job.run, job.finished) or from its snapshot (train.current). The
 * training store starts and stops jobs; this follows them. Its finished runs are handed on
 * (`finished`) to whoever listens: this project's only.
 */
export function trackJobs(view: RunView, finished: ReturnType<typeof createFinishedRuns>) {
  const identity = useProjectOwnerStore();
  const jobId = ref<string | null>(null);
  const status = ref<JobStatus | 'idle'>('idle');
  const stopping = ref(false);
  /** the job's runs: one for a training, the grid of a sweep, each with its status */
  const runs = ref<JobRunEntry[]>([]);
  const currentRun = ref(0);
  /** a stopped run that kept its checkpoint: Resume goes on from there */
  const resumableDir = ref<string | null>(null);
  /** the lab task whose experiment this job is */
  const labTask = ref<string | null>(null);
  /** the planned runs the last experiments took from the project instead of training them again */
  const reused = ref<ReusedRun[]>([]);
  /** the project that started the job: its runs join that project only (the engine keeps them for it otherwise) */
  let jobOwner: ProjectOwner | null = null;
  const ownedHere = () => joinsProject(jobOwner, identity.owns);
  const join = createJobJoin();

  api.on('job.event', (p) => {
    if (p.jobId === jobId.value) applyFrom(p.runIndex ?? 0, p.event);
    else join.heardEvent(p);
  });
  api.on('job.run', (p) => {
    if (p.jobId !== jobId.value) return;
    runs.value = withRunEnded(runs.value, p);
    // each finished run of a sweep joins the project as it ends
    if (p.run && p.runDir && ownedHere()) finished.add({ runDir: p.runDir, run: p.run, labTask: labTask.value });
  });
  api.on('job.finished', (p) => {
    if (p.jobId === jobId.value) finish(p);
    else join.heardFinish(p);
  });

  /** a sweep's next run starts: its curves start afresh */
  function applyFrom(index: number, event: JobEvent): void {
    if (index !== currentRun.value) {
      currentRun.value = index;
      view.clear();
      runs.value = withRunStarted(runs.value, index);
    }
    view.apply(event);
  }

  function finish(p: Pick<JobFinished, 'status' | 'runDir' | 'run' | 'error'>): void {
    status.value = p.status;
    stopping.value = false;
    view.runDir.value = p.runDir;
    view.runId.value = p.run?.id ?? null;
    view.error.value = p.error;
    view.progress.value = null;
    resumableDir.value = p.status === 'cancelled' && p.runDir ? p.runDir : null;
    if (p.status === 'failed' && p.error) useNoticeStore().report(p.error, 'Training');
    if (p.run && p.runDir && ownedHere()) {
      finished.add({ runDir: p.runDir, run: p.run, labTask: labTask.value });
      // the run measured this machine's extraction speed: the model cards show it
      void useModelStore().loadCatalog();
    }
  }

  function adopt(job: JobSnapshot): void {
    jobId.value = job.jobId;
    jobOwner = job.owner ?? null;
    status.value = job.status;
    if (job.status !== 'running') stopping.value = false;
    view.clear();
    runs.value = snapshotRuns(job);
    currentRun.value = job.current;
    for (const e of job.events) view.apply(e);
    view.runDir.value = job.runDir;
    view.error.value = job.error;
    resumableDir.value = resumableDirOf(job);
    if (job.status !== 'running') view.progress.value = null;
  }

  /** a job this window names (newJobId) before asking the engine: shown at once, this project's */
  function begin(id: string, planned: PlannedEntry[]): void {
    view.clear();
    jobOwner = { ...identity.owner };
    // a new job: the last one's failure is no longer the news
    useNoticeStore().resolve('Training');
    labTask.value = null;
    reused.value = [];
    jobId.value = id;
    status.value = 'running';
    resumableDir.value = null;
    currentRun.value = 0;
    runs.value = planned.map(plannedEntry);
  }

  /** nothing shown: no job, or another project's */
  function forget(): void {
    view.clear();
    jobId.value = null;
    jobOwner = null;
    status.value = 'idle';
    runs.value = [];
    resumableDir.value = null;
    labTask.value = null;
  }

  /** the engine's job, its snapshot joined to what was heard while it came; shown beside the project that started it only */
  async function showCurrent(): Promise<void> {
    const { value, heard } = await join.snapshot(() => api.call('train.current', {}));
    const job = value.job;
    if (!job || !joinsProject(job.owner, identity.owns)) {
      if (jobId.value) forget();
      return;
    }
    adopt(job);
    const after = heardOf(heard, job.jobId);
    for (const e of after.events) applyFrom(e.runIndex ?? 0, e.event);
    if (after.finish) finish(after.finish);
  }

  return { jobId, status, stopping, runs, currentRun, resumableDir, labTask, reused, begin, forget, showCurrent };
}
