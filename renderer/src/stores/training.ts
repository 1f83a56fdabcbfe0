import { defineStore } from 'pinia';
import { computed, readonly, ref, shallowRef, triggerRef } from 'vue';
import type { TransferLabErrorData } from '../../../shared/errors';
import type { Preprocessing } from '../../../shared/preprocessing';
import type { TrainConfig } from '../../../shared/run';
import { plain } from '../util/clone';
import { api } from '../api/client';
import type { RunExtraction } from '../../../shared/extraction';
import { describeFrozenPart, type BackendFacts, type ExtractorFacts } from '../../../shared/runFacts';
import { findCatalogEntry } from '../../../shared/catalog';
import { findReusable, type RunSettings } from '../../../shared/reuse';
import { planSweep, plannedConfig, SweepPlanError, type PlannedRun, type SweepAxes } from '../../../shared/sweep';
import type { ProjectOwner, RunStatus } from '../../../shared/contract';
import type { EpochEvent, JobEvent, JobFinished, JobSnapshot, JobStatus, LogEvent, PhaseEvent, ProgressEvent, RunRecord } from '../api/types';
import { useDatasetStore } from './dataset';
import { useFreezeStore } from './freeze';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';
import { useProjectOwnerStore } from './projectOwner';
import { useTrainConfigStore } from './trainConfig';
import { newJobId } from '../util/ids';

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

/** a finished run of the project taken instead of training one with the same settings again */
export interface ReusedRun {
  /** its place in the experiments' plan */
  planIndex: number;
  label: string;
  runId: string;
  runDir: string;
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
  /** what the engine reported about how this run runs: typed facts, not log text */
  const backend = ref<BackendFacts | null>(null);
  const extractor = ref<ExtractorFacts | null>(null);
  const extraction = ref<RunExtraction | null>(null);
  const error = ref<TransferLabErrorData | null>(null);
  const runDir = ref<string | null>(null);
  /** the finished run's id: its folder moves when the project is saved, the id does not */
  const runId = ref<string | null>(null);
  const starting = ref(false);
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
   * Events heard while a snapshot of the engine's job (train.current) is on its way: the
   * snapshot holds what came before it, these what came after. A job this window starts needs
   * none of this: the window names it before asking (newJobId), so each of its events is known.
   */
  let joining: { events: { jobId: string; event: JobEvent; runIndex?: number | undefined }[]; finish: JobFinished | null } | null = null;

  api.on('job.event', (p) => {
    if (p.jobId === jobId.value) applyFrom(p.runIndex ?? 0, p.event);
    else joining?.events.push(p);
  });
  api.on('job.run', (p) => {
    if (p.jobId !== jobId.value) return;
    runs.value = runs.value.map((r) =>
      r.index === p.index ? { ...r, status: p.status, runDir: p.runDir, error: p.error, resumable: p.resumable, runId: p.run?.id ?? null } : r,
    );
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
    else if (joining) joining.finish = p;
  });

  /** the engine has taken the job on: until it answers, the job is known (its events land) but only starting */
  const running = computed(() => status.value === 'running' && !starting.value);
  const lastEpoch = computed(() => epochs.value[epochs.value.length - 1] ?? null);
  // the job's own plan, not the Train step's form (a lab experiment, a reloaded window, an edited form)
  const plannedEpochs = computed(() => lastEpoch.value?.epochs ?? runs.value[currentRun.value]?.epochs ?? trainConfig.config.epochs);
  const lastLog = computed(() => logs.value[logs.value.length - 1] ?? null);
  /** the backend the engine reported for this run, and why (its `facts` event) */
  const backendNote = computed(() => backend.value?.reason ?? null);
  /** what runs the frozen part (a later `facts` event, a fallback, wins) */
  const extractorNote = computed(() => describeFrozenPart(extractor.value, extraction.value));

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
      case 'facts':
        if (event.backend) backend.value = event.backend;
        if (event.extractor) extractor.value = event.extractor;
        if (event.extraction) extraction.value = event.extraction;
        break;
    }
  }

  function clearRun(): void {
    epochs.value = [];
    phase.value = null;
    progress.value = null;
    logs.value = [];
    backend.value = null;
    extractor.value = null;
    extraction.value = null;
    error.value = null;
    runDir.value = null;
    runId.value = null;
  }

  function finish(p: Pick<JobFinished, 'status' | 'runDir' | 'run' | 'error'>): void {
    status.value = p.status;
    stopping.value = false;
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
    if (job.status !== 'running') stopping.value = false;
    clearRun();
    runs.value = job.runs.map((r) => ({ ...r, epochs: r.epochs ?? null, runId: null }));
    currentRun.value = job.current;
    for (const e of job.events) apply(e);
    runDir.value = job.runDir;
    error.value = job.error;
    const cur = job.runs[job.current];
    resumableDir.value = job.status === 'cancelled' && cur?.resumable ? cur.runDir : null;
    if (job.status !== 'running') progress.value = null;
  }

  async function start(): Promise<boolean> {
    const dataset = useDatasetStore();
    const model = useModelStore();
    const notices = useNoticeStore();
    if (!dataset.scan || !model.source) {
      notices.report(new Error('Scan a dataset and choose a model first.'), 'Starting training');
      return false;
    }
    const config = plain(trainConfig.config) as TrainConfig;
    const input = {
      dataset: dataset.scan.root,
      split: { ...dataset.split },
      source: model.source,
      cut: useFreezeStore().cut,
      config,
      owner: { ...identity.owner },
    };
    return launch([{ index: 0, label: 'one run', epochs: config.epochs }], null, 'Starting training', (id) => api.call('train.start', { ...input, jobId: id }));
  }

  type Planned = { index: number; label: string; epochs?: number | null | undefined };

  /**
   * Starts a job under a name this window gives it: the job is shown (and listened for) before
   * the engine is asked, so its first events, even its end, land on it whenever they come. A
   * refused start shows the engine's job again, as a reload would.
   */
  async function launch(
    planned: Planned[],
    task: string | null,
    context: string,
    ask: (id: string) => Promise<{ jobId: string; runs?: Planned[] }>,
  ): Promise<boolean> {
    const id = newJobId();
    starting.value = true;
    begin(id, planned);
    labTask.value = task;
    try {
      const r = await ask(id);
      // the engine's plan of the runs is the word: the statuses heard so far stay
      if (r.runs && jobId.value === id)
        runs.value = r.runs.map((p) => ({ ...entry(p), ...runs.value.find((e) => e.index === p.index), label: p.label, epochs: p.epochs ?? null }));
      return true;
    } catch (e) {
      useNoticeStore().report(e, context);
      if (jobId.value === id) {
        forget();
        await followProject();
      }
      return false;
    } finally {
      starting.value = false;
    }
  }

  function entry(p: Planned): JobRunEntry {
    return { ...p, epochs: p.epochs ?? null, status: p.index === 0 ? 'running' : 'queued', runDir: null, error: null, resumable: false, runId: null };
  }

  function begin(id: string, planned: Planned[]): void {
    clearRun();
    jobOwner = { ...identity.owner };
    // a new job: the last one's failure is no longer the news
    useNoticeStore().resolve('Training');
    labTask.value = null;
    reused.value = [];
    jobId.value = id;
    status.value = 'running';
    resumableDir.value = null;
    currentRun.value = 0;
    runs.value = planned.map(entry);
  }

  /** nothing shown: no job, or another project's */
  function forget(): void {
    clearRun();
    jobId.value = null;
    jobOwner = null;
    status.value = 'idle';
    runs.value = [];
    resumableDir.value = null;
    labTask.value = null;
  }

  /**
   * What a planned run will be made with, as far as the app can know before it runs: the
   * scanned data, the loaded model (its files, cut, preprocessing) or a catalog model at its
   * default cut, and every hyper-parameter. Null where something is not known (no scan, a
   * split edited since it, a folder or address not loaded): such a run is never reused.
   */
  function settingsFor(p: PlannedRun): RunSettings | null {
    const scan = useDatasetStore().scan;
    const dataset = useDatasetStore();
    const model = useModelStore();
    if (!scan || dataset.splitChanged) return null;
    let m: RunSettings['model'];
    if (p.model === model.source && model.inspection?.source === p.model) {
      const cut = useFreezeStore().effectiveCut;
      if (!cut) return null;
      m = {
        source: p.model,
        key: model.inspection.key,
        cut: model.inspection.format === 'graph' ? null : cut,
        preprocessing: plain(model.inspection.preprocessing) as Preprocessing,
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

  /** the experiments a sweep would run, planned here as the engine plans them */
  function planExperiments(axes: SweepAxes, o: { config?: Partial<TrainConfig> } = {}): PlannedRun[] {
    const source = useModelStore().source;
    if (!source) return [];
    const config = { ...(plain(trainConfig.config) as TrainConfig), ...o.config };
    return planSweep({ model: source, config, perClass: config.imagesPerClass, fineTune: config.fineTuneLayers }, axes);
  }

  /** for each planned run, a finished run among `runs` made with exactly its settings (the latest), or null */
  function reusableFor<T extends { record: RunRecord }>(plan: readonly PlannedRun[], runs: readonly T[]): (T | null)[] {
    return plan.map((p) => {
      const s = settingsFor(p);
      return s ? findReusable(runs, s) : null;
    });
  }

  /**
   * queues the grid of runs; they share the cache and this one progress view. A lab task's
   * experiment passes its own settings over the Train step's and its task, which records
   * the runs as they finish. A planned run whose settings match a finished run in `reuse`
   * (the project's) is not trained again: that run is taken, and said to be reused.
   */
  async function startSweep(
    axes: SweepAxes,
    o: { config?: Partial<TrainConfig>; labTask?: string; reuse?: readonly { runDir: string; record: RunRecord }[] } = {},
  ): Promise<boolean> {
    const dataset = useDatasetStore();
    const model = useModelStore();
    const notices = useNoticeStore();
    if (!dataset.scan || !model.source) {
      notices.report(new Error('Scan a dataset and choose a model first.'), 'Starting the experiments');
      return false;
    }
    let plan: PlannedRun[];
    try {
      plan = planExperiments(axes, o);
    } catch (e) {
      notices.report(e instanceof SweepPlanError ? e : new Error(String(e)), 'Starting the experiments');
      return false;
    }
    const found = o.reuse ? reusableFor(plan, o.reuse) : plan.map(() => null);
    const taken: ReusedRun[] = plan.flatMap((p, i) => {
      const f = found[i];
      return f ? [{ planIndex: p.index, label: p.label, runId: f.record.id, runDir: f.runDir }] : [];
    });
    const task = o.labTask ?? null;
    const takeReused = () => {
      reused.value = taken;
      labTask.value = task;
      for (const t of taken) runFinished({ runDir: t.runDir, run: found[t.planIndex]!.record, labTask: task });
    };
    if (taken.length === plan.length) {
      // every run was made before: nothing to train
      runs.value = [];
      takeReused();
      notices.resolve('Starting the experiments');
      return true;
    }
    // the grid as the engine will run it (the same plan, less the reused runs, numbered from 0): listed from the start
    const toRun = plan.filter((p) => !taken.some((t) => t.planIndex === p.index));
    const planned: Planned[] = toRun.map((p, i) => ({ index: i, label: p.label, epochs: p.config.epochs }));
    const input = {
      dataset: dataset.scan.root,
      split: { ...dataset.split },
      source: model.source,
      cut: useFreezeStore().cut,
      config: { ...(plain(trainConfig.config) as TrainConfig), ...o.config },
      axes: plain(axes),
      ...(taken.length ? { skip: taken.map((t) => t.planIndex) } : {}),
      owner: { ...identity.owner },
    };
    const started = await launch(planned, task, 'Starting the experiments', (id) => api.call('sweep.start', { ...input, jobId: id }));
    if (started) takeReused();
    return started;
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
    const owner = { ...identity.owner };
    return launch([{ index: 0, label: 'resumed run' }], null, 'Resuming the run', (id) => api.call('train.resume', { runDir: dir, owner, jobId: id }));
  }

  /**
   * Asks the engine to stop; "stopping…" shows from the click until the job has ended, which
   * can take seconds (a fine-tuning batch, or extraction, finishes to a safe point first).
   */
  async function stop(): Promise<void> {
    if (!jobId.value || !running.value || stopping.value) return;
    stopping.value = true;
    try {
      // the engine winds the run down (the batch in hand, the checkpoint): "Stopping…" until job.finished
      const { stopped } = await api.call('train.stop', { jobId: jobId.value });
      if (!stopped || !running.value) stopping.value = false;
    } catch (e) {
      stopping.value = false;
      useNoticeStore().report(e, 'Stopping training');
    }
  }

  /** pick up the engine's running or last job, e.g. after a reload */
  async function resume(): Promise<void> {
    try {
      await showCurrent();
    } catch (e) {
      useNoticeStore().report(e, 'Checking for a training run in progress');
    }
  }

  /** the engine's job, its snapshot joined to what was heard while it came; shown beside the project that started it only */
  async function showCurrent(): Promise<void> {
    const heard: NonNullable<typeof joining> = { events: [], finish: null };
    joining = heard;
    let job: JobSnapshot | null;
    try {
      job = (await api.call('train.current', {})).job;
    } finally {
      if (joining === heard) joining = null;
    }
    if (!job || (job.owner && !identity.owns(job.owner))) {
      if (jobId.value) forget();
      return;
    }
    adopt(job);
    for (const e of heard.events) if (e.jobId === job.jobId) applyFrom(e.runIndex ?? 0, e.event);
    if (heard.finish?.jobId === job.jobId) finish(heard.finish);
  }

  /** another project was opened (or this one restored): show the engine's job if it is this project's */
  async function followProject(): Promise<void> {
    try {
      await showCurrent();
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
    reused: readonly(reused),
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
    planExperiments,
    reusableFor,
    start,
    stop,
    resume,
    followProject,
  };
});
