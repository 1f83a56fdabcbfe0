import { defineStore } from 'pinia';
import { computed, readonly, ref, shallowRef, triggerRef } from 'vue';
import type { TransferLabErrorData } from '../../../shared/errors';
import type { TrainConfig } from '../../../shared/run';
import { plain } from '../util/clone';
import { api } from '../api/client';
import type { SweepAxes } from '../../../shared/sweep';
import type { ProjectOwner, RunStatus } from '../../../shared/contract';
import type { EpochEvent, JobEvent, JobFinished, JobSnapshot, JobStatus, LogEvent, PhaseEvent, ProgressEvent, RunRecord } from '../api/types';
import { useDatasetStore } from './dataset';
import { useFreezeStore } from './freeze';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';
import { useProjectOwnerStore } from './projectOwner';
import { useTrainConfigStore } from './trainConfig';

const LOG_LIMIT = 200;

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

/** a run of this project's job that finished: the project store takes it in (onRunFinished) */
export interface FinishedRun {
  runDir: string;
  run: RunRecord;
  /** the lab task whose experiment made it, if any */
  labTask: string | null;
}

/**
 * The train step: the one job the engine runs at a time (its hyper-parameters are the leaf
 * store trainConfig). The job
 * belongs to the engine, not to this window, so on load the store asks for it
 * (`train.current`) and redraws from its events: a reloaded window shows the run in progress.
 */
export const useTrainingStore = defineStore('training', () => {
  const trainConfig = useTrainConfigStore();
  const identity = useProjectOwnerStore();
  const jobId = ref<string | null>(null);
  const status = ref<JobStatus | 'idle'>('idle');
  const epochs = shallowRef<EpochEvent[]>([]);
  const phase = ref<PhaseEvent | null>(null);
  const progress = ref<ProgressEvent | null>(null);
  const logs = ref<LogEvent[]>([]);
  const error = ref<TransferLabErrorData | null>(null);
  const runDir = ref<string | null>(null);
  /** the finished run's id: its folder moves when the project is saved, the id does not */
  const runId = ref<string | null>(null);
  const starting = ref(false);
  const stopping = ref(false);
  const resuming = ref(false);
  /** the job's runs: one for a training, the grid of a sweep, each with its status */
  const runs = ref<JobRunEntry[]>([]);
  const currentRun = ref(0);
  /** a stopped run that kept its checkpoint: Resume goes on from there */
  const resumableDir = ref<string | null>(null);
  /** the lab task whose experiment this job is */
  const labTask = ref<string | null>(null);
  /** the project that started the job: its runs join that project only (the engine keeps them for it otherwise) */
  let jobOwner: ProjectOwner | null = null;
  const ownedHere = () => jobOwner === null || identity.owns(jobOwner);
  /** this project's finished runs so far, and who takes them in (the project store) */
  const finished: FinishedRun[] = [];
  const finishedListeners = new Set<(f: FinishedRun) => void>();
  function runFinished(f: FinishedRun): void {
    finished.push(f);
    for (const l of finishedListeners) l(f);
  }
  /** the listener gets the runs finished so far, then each as it finishes */
  function onRunFinished(listener: (f: FinishedRun) => void): () => void {
    for (const f of finished) listener(f);
    finishedListeners.add(listener);
    return () => finishedListeners.delete(listener);
  }
  /**
   * What a new job sent before train.start (or train.current) answered with its id: the
   * engine starts emitting at once, and the answer can arrive after the first events.
   */
  let early: { jobId: string; event: JobEvent; runIndex?: number | undefined }[] = [];
  let earlyFinish: JobFinished | null = null;

  api.on('job.event', (p) => {
    if (p.jobId === jobId.value) applyFrom(p.runIndex ?? 0, p.event);
    else if (starting.value || resuming.value) early.push(p);
  });
  api.on('job.run', (p) => {
    if (p.jobId !== jobId.value) return;
    runs.value = runs.value.map((r) => (r.index === p.index ? { ...r, status: p.status, runDir: p.runDir, error: p.error, resumable: p.resumable, runId: p.run?.id ?? null } : r));
    // each finished run of a sweep joins the project as it ends
    if (p.run && p.runDir && ownedHere()) runFinished({ runDir: p.runDir, run: p.run, labTask: labTask.value });
  });

  /** a sweep's next run starts: its curves start afresh */
  function applyFrom(index: number, event: JobEvent): void {
    if (index !== currentRun.value) {
      currentRun.value = index;
      clearRun();
      runs.value = runs.value.map((r) => (r.index === index ? { ...r, status: 'running' } : r));
    }
    apply(event);
  }
  api.on('job.finished', (p) => {
    if (p.jobId === jobId.value) finish(p);
    else if (starting.value || resuming.value) earlyFinish = p;
  });

  function replayEarly(id: string): void {
    for (const e of early) if (e.jobId === id) applyFrom(e.runIndex ?? 0, e.event);
    if (earlyFinish?.jobId === id) finish(earlyFinish);
    early = [];
    earlyFinish = null;
  }

  const running = computed(() => status.value === 'running');
  const lastEpoch = computed(() => epochs.value[epochs.value.length - 1] ?? null);
  // the job's own plan, not the Train step's form (a lab experiment, a reloaded window, an edited form)
  const plannedEpochs = computed(() => lastEpoch.value?.epochs ?? runs.value[currentRun.value]?.epochs ?? trainConfig.config.epochs);
  const lastLog = computed(() => logs.value[logs.value.length - 1] ?? null);
  /** the backend the engine reported for this run ("backend: …" log line) */
  const backendNote = computed(() => logs.value.find((l) => l.message.startsWith('backend: '))?.message.slice(9) ?? null);
  /** what runs the frozen part ("extractor: …" log lines; a later one, a fallback, wins) */
  const extractorNote = computed(() => logs.value.filter((l) => l.message.startsWith('extractor: ')).at(-1)?.message.slice(11) ?? null);

  function apply(event: JobEvent): void {
    switch (event.type) {
      case 'epoch': {
        // replaying a snapshot may repeat an epoch already drawn: the epoch number is the key.
        // The usual case, the next epoch, appends in place: a long run is thousands of events
        const list = epochs.value;
        const last = list[list.length - 1];
        if (!last || event.epoch > last.epoch) {
          list.push(event);
          triggerRef(epochs);
        } else {
          epochs.value = [...list.filter((e) => e.epoch !== event.epoch), event].sort((a, b) => a.epoch - b.epoch);
        }
        break;
      }
      case 'phase':
        phase.value = event;
        progress.value = null;
        break;
      case 'progress':
        progress.value = event;
        break;
      case 'log':
        logs.value = [...logs.value.slice(-(LOG_LIMIT - 1)), event];
        break;
    }
  }

  function clearRun(): void {
    epochs.value = [];
    phase.value = null;
    progress.value = null;
    logs.value = [];
    error.value = null;
    runDir.value = null;
    runId.value = null;
  }

  function finish(p: Pick<JobFinished, 'status' | 'runDir' | 'run' | 'error'>): void {
    status.value = p.status;
    runDir.value = p.runDir;
    runId.value = p.run?.id ?? null;
    error.value = p.error;
    progress.value = null;
    resumableDir.value = p.status === 'cancelled' && p.runDir ? p.runDir : null;
    if (p.status === 'failed' && p.error) useNoticeStore().report(p.error, 'Training');
    if (p.run && p.runDir && ownedHere()) {
      runFinished({ runDir: p.runDir, run: p.run, labTask: labTask.value });
      // the run measured this machine's extraction speed: the model cards show it
      void useModelStore().loadCatalog();
    }
  }

  function adopt(job: JobSnapshot): void {
    jobId.value = job.jobId;
    jobOwner = job.owner ?? null;
    status.value = job.status;
    clearRun();
    runs.value = job.runs.map((r) => ({ ...r, epochs: r.epochs ?? null, runId: null }));
    currentRun.value = job.current;
    for (const e of job.events) apply(e);
    runDir.value = job.runDir;
    error.value = job.error;
    const cur = job.runs[job.current];
    resumableDir.value = job.status === 'cancelled' && cur?.resumable ? cur.runDir : null;
    if (job.status !== 'running') progress.value = null;
    replayEarly(job.jobId);
  }

  async function start(): Promise<boolean> {
    const dataset = useDatasetStore();
    const model = useModelStore();
    const notices = useNoticeStore();
    if (!dataset.scan || !model.source) {
      notices.report(new Error('Scan a dataset and choose a model first.'), 'Starting training');
      return false;
    }
    starting.value = true;
    early = [];
    earlyFinish = null;
    try {
      const r = await api.call('train.start', {
        dataset: dataset.scan.root,
        split: { ...dataset.split },
        source: model.source,
        cut: useFreezeStore().cut,
        config: plain(trainConfig.config) as TrainConfig,
        owner: { ...identity.owner },
      });
      begin(r.jobId, [{ index: 0, label: 'one run', epochs: trainConfig.config.epochs }]);
      return true;
    } catch (e) {
      notices.report(e, 'Starting training');
      return false;
    } finally {
      starting.value = false;
      early = [];
      earlyFinish = null;
    }
  }

  function begin(id: string, planned: { index: number; label: string; epochs?: number | null | undefined }[]): void {
    clearRun();
    jobOwner = { ...identity.owner };
    // a new job: the last one's failure is no longer the news
    useNoticeStore().resolve('Training');
    labTask.value = null;
    jobId.value = id;
    status.value = 'running';
    resumableDir.value = null;
    currentRun.value = 0;
    runs.value = planned.map((r) => ({ ...r, epochs: r.epochs ?? null, status: r.index === 0 ? 'running' : 'queued', runDir: null, error: null, resumable: false, runId: null }));
    replayEarly(id);
  }

  /**
   * queues the grid of runs; they share the cache and this one progress view. A lab task's
   * experiment passes its own settings over the Train step's and its task, which records
   * the runs as they finish.
   */
  async function startSweep(axes: SweepAxes, o: { config?: Partial<TrainConfig>; labTask?: string } = {}): Promise<boolean> {
    const dataset = useDatasetStore();
    const model = useModelStore();
    const notices = useNoticeStore();
    if (!dataset.scan || !model.source) {
      notices.report(new Error('Scan a dataset and choose a model first.'), 'Starting the experiments');
      return false;
    }
    starting.value = true;
    early = [];
    earlyFinish = null;
    try {
      const r = await api.call('sweep.start', { dataset: dataset.scan.root, split: { ...dataset.split }, source: model.source, cut: useFreezeStore().cut, config: { ...(plain(trainConfig.config) as TrainConfig), ...o.config }, axes: plain(axes), owner: { ...identity.owner } });
      begin(r.jobId, r.runs);
      labTask.value = o.labTask ?? null;
      return true;
    } catch (e) {
      notices.report(e, 'Starting the experiments');
      return false;
    } finally {
      starting.value = false;
      early = [];
      earlyFinish = null;
    }
  }

  async function cancelRun(index: number): Promise<void> {
    if (!jobId.value) return;
    try {
      await api.call('sweep.cancelRun', { jobId: jobId.value, index });
    } catch (e) {
      useNoticeStore().report(e, 'Cancelling a run');
    }
  }

  /** a stopped run goes on from its last checkpoint, its curves redrawn from the start */
  async function resumeStopped(): Promise<boolean> {
    const dir = resumableDir.value;
    if (!dir) return false;
    starting.value = true;
    early = [];
    earlyFinish = null;
    try {
      const r = await api.call('train.resume', { runDir: dir, owner: { ...identity.owner } });
      begin(r.jobId, [{ index: 0, label: 'resumed run' }]);
      return true;
    } catch (e) {
      useNoticeStore().report(e, 'Resuming the run');
      return false;
    } finally {
      starting.value = false;
      early = [];
      earlyFinish = null;
    }
  }

  async function stop(): Promise<void> {
    if (!jobId.value || !running.value) return;
    stopping.value = true;
    try {
      await api.call('train.stop', { jobId: jobId.value });
    } catch (e) {
      useNoticeStore().report(e, 'Stopping training');
    } finally {
      stopping.value = false;
    }
  }

  /** pick up the engine's running or last job, e.g. after a reload */
  async function resume(): Promise<void> {
    resuming.value = true;
    early = [];
    earlyFinish = null;
    try {
      const { job } = await api.call('train.current', {});
      showIfOwned(job);
    } catch (e) {
      useNoticeStore().report(e, 'Checking for a training run in progress');
    } finally {
      resuming.value = false;
      early = [];
      earlyFinish = null;
    }
  }

  /** the engine's job is shown only beside the project that started it; another project's leaves the view empty */
  function showIfOwned(job: JobSnapshot | null): void {
    if (job && (!job.owner || identity.owns(job.owner))) adopt(job);
    else if (jobId.value) {
      clearRun();
      jobId.value = null;
      jobOwner = null;
      status.value = 'idle';
      runs.value = [];
      resumableDir.value = null;
      labTask.value = null;
    }
  }

  /** another project was opened (or this one restored): show the engine's job if it is this project's */
  async function followProject(): Promise<void> {
    try {
      showIfOwned((await api.call('train.current', {})).job);
    } catch {
      // no engine answer: the view stays as it was, resume() reports a dead engine
    }
  }

  return {
    jobId: readonly(jobId),
    status: readonly(status),
    epochs: readonly(epochs),
    phase: readonly(phase),
    progress: readonly(progress),
    logs: readonly(logs),
    error: readonly(error),
    runDir: readonly(runDir),
    runId: readonly(runId),
    starting: readonly(starting),
    stopping: readonly(stopping),
    runs: readonly(runs),
    labTask: readonly(labTask),
    currentRun: readonly(currentRun),
    resumableDir: readonly(resumableDir),
    startSweep,
    cancelRun,
    resumeStopped,
    running,
    lastEpoch,
    plannedEpochs,
    lastLog,
    backendNote,
    extractorNote,
    onRunFinished,
    start,
    stop,
    resume,
    followProject,
  };
});
