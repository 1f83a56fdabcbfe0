import { defineStore } from 'pinia';
import { computed, readonly, ref, shallowRef, triggerRef } from 'vue';
import type { TransferLabErrorData } from '../../../shared/errors';
import { defaultTrainConfig, type HeadConfig, type TrainConfig } from '../../../shared/run';
import { plain } from '../util/clone';
import { api } from '../api/client';
import type { EpochEvent, JobEvent, JobFinished, JobSnapshot, JobStatus, LogEvent, PhaseEvent, ProgressEvent } from '../api/types';
import { useDatasetStore } from './dataset';
import { useFreezeStore } from './freeze';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';
import { useProjectStore } from './project';

const LOG_LIMIT = 200;

/**
 * The train step: the hyper-parameters, and the one job the engine runs at a time. The job
 * belongs to the engine, not to this window, so on load the store asks for it
 * (`train.current`) and redraws from its events: a reloaded window shows the run in progress.
 */
export const useTrainingStore = defineStore('training', () => {
  const config = ref<TrainConfig>(plain(defaultTrainConfig));
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
  /**
   * What a new job sent before train.start (or train.current) answered with its id: the
   * engine starts emitting at once, and the answer can arrive after the first events.
   */
  let early: { jobId: string; event: JobEvent }[] = [];
  let earlyFinish: JobFinished | null = null;

  api.on('job.event', (p) => {
    if (p.jobId === jobId.value) apply(p.event);
    else if (starting.value || resuming.value) early.push(p);
  });
  api.on('job.finished', (p) => {
    if (p.jobId === jobId.value) finish(p);
    else if (starting.value || resuming.value) earlyFinish = p;
  });

  function replayEarly(id: string): void {
    for (const e of early) if (e.jobId === id) apply(e.event);
    if (earlyFinish?.jobId === id) finish(earlyFinish);
    early = [];
    earlyFinish = null;
  }

  const running = computed(() => status.value === 'running');
  const lastEpoch = computed(() => epochs.value[epochs.value.length - 1] ?? null);
  const plannedEpochs = computed(() => lastEpoch.value?.epochs ?? config.value.epochs);
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
    if (p.status === 'failed' && p.error) useNoticeStore().report(p.error, 'Training');
    if (p.run && p.runDir) {
      useProjectStore().addRun(p.runDir, p.run);
      // the run measured this machine's extraction speed: the model cards show it
      void useModelStore().loadCatalog();
    }
  }

  function adopt(job: JobSnapshot): void {
    jobId.value = job.jobId;
    status.value = job.status;
    clearRun();
    for (const e of job.events) apply(e);
    runDir.value = job.runDir;
    error.value = job.error;
    if (job.status !== 'running') progress.value = null;
    replayEarly(job.jobId);
  }

  function setConfig(patch: Partial<Omit<TrainConfig, 'head'>>): void {
    config.value = { ...config.value, ...patch };
  }

  function setHead(patch: Partial<HeadConfig>): void {
    config.value = { ...config.value, head: { ...config.value.head, ...patch } };
  }

  function restoreConfig(c: TrainConfig): void {
    config.value = plain(c);
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
        config: plain(config.value),
      });
      clearRun();
      jobId.value = r.jobId;
      status.value = 'running';
      replayEarly(r.jobId);
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
      if (job) adopt(job);
    } catch (e) {
      useNoticeStore().report(e, 'Checking for a training run in progress');
    } finally {
      resuming.value = false;
      early = [];
      earlyFinish = null;
    }
  }

  return {
    config: readonly(config),
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
    running,
    lastEpoch,
    plannedEpochs,
    lastLog,
    backendNote,
    extractorNote,
    setConfig,
    setHead,
    restoreConfig,
    start,
    stop,
    resume,
  };
});
