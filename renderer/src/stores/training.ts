import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import type { TrainConfig } from '../../../shared/run';
import { SweepPlanError, type PlannedRun, type SweepAxes } from '../../../shared/sweep';
import { api } from '../api/client';
import type { RunRecord } from '../api/types';
import { plain } from '../util/clone';
import { newJobId } from '../util/ids';
import * as plans from './experimentPlan';
import { createFinishedRuns } from './finishedRuns';
import { trackJobs } from './jobEvents';
import { formConfig, jobInput, planFacts } from './jobInput';
import { withEnginePlan, type PlannedEntry } from './jobRuns';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';
import { useProjectOwnerStore } from './projectOwner';
import { createRunView } from './runView';
import { useTrainConfigStore } from './trainConfig';

export type { JobRunEntry } from './jobRuns';
export type { ReusedRun } from './experimentPlan';
export type { FinishedRun } from './finishedRuns';

/**
 * The train step: the one job the engine runs at a time (its hyper-parameters are the leaf
 * store trainConfig). The job belongs to the engine, not to this window, so on load the store
 * asks for it (`train.current`) and redraws from its events: a reloaded window shows the run
 * in progress. This store starts, stops and plans jobs; beside it, jobEvents.ts follows the job
 * shown (jobRuns.ts its list of runs, jobJoin.ts joining the engine's job), runView.ts is what
 * a run shows, experimentPlan.ts plans an experiment and finds runs to reuse, finishedRuns.ts
 * hands finished runs on to the project, and jobInput.ts reads what a job starts from.
 */
export const useTrainingStore = defineStore('training', () => {
  const trainConfig = useTrainConfigStore();
  const identity = useProjectOwnerStore();
  const view = createRunView();
  /** this project's finished runs so far, and who takes them in (the project store) */
  const finished = createFinishedRuns();
  const job = trackJobs(view, finished);
  const { jobId, status, stopping, runs, currentRun, resumableDir, labTask, reused } = job;
  const starting = ref(false);

  /** the engine has taken the job on: until it answers, the job is known (its events land) but only starting */
  const running = computed(() => status.value === 'running' && !starting.value);
  // the job's own plan, not the Train step's form (a lab experiment, a reloaded window, an edited form)
  const plannedEpochs = computed(() => view.lastEpoch.value?.epochs ?? runs.value[currentRun.value]?.epochs ?? trainConfig.config.epochs);
  // finished epochs, said as such: the progress bar names the epoch in progress ("epoch 25/3000")
  // while 24 are done, and two bare "epoch N / M" one apart read as a contradiction
  const epochsDone = computed(() => `${view.lastEpoch.value?.epoch ?? 0} / ${plannedEpochs.value} epochs done`);

  async function start(): Promise<boolean> {
    const input = jobInput('Starting training');
    if (!input) return false;
    const planned = [{ index: 0, label: 'one run', epochs: input.config.epochs }];
    return launch(planned, null, 'Starting training', (id) => api.call('train.start', { ...input, jobId: id }));
  }

  /**
   * Starts a job under a name this window gives it: the job is shown (and listened for) before
   * the engine is asked, so its first events, even its end, land on it whenever they come. A
   * refused start shows the engine's job again, as a reload would.
   */
  async function launch(
    planned: PlannedEntry[],
    task: string | null,
    context: string,
    ask: (id: string) => Promise<{ jobId: string; runs?: PlannedEntry[] }>,
  ): Promise<boolean> {
    const id = newJobId();
    starting.value = true;
    job.begin(id, planned);
    labTask.value = task;
    try {
      const r = await ask(id);
      if (r.runs && jobId.value === id) runs.value = withEnginePlan(runs.value, r.runs);
      return true;
    } catch (e) {
      useNoticeStore().report(e, context);
      if (jobId.value === id) {
        job.forget();
        await followProject();
      }
      return false;
    } finally {
      starting.value = false;
    }
  }

  /** the experiments a sweep would run, planned here as the engine plans them */
  function planExperiments(axes: SweepAxes, o: { config?: Partial<TrainConfig> } = {}): PlannedRun[] {
    const source = useModelStore().source;
    if (!source) return [];
    return plans.planExperiments(source, formConfig(o.config), axes);
  }

  /** for each planned run, a finished run among `runs` made with exactly its settings (the latest), or null */
  function reusableFor<T extends { record: RunRecord }>(plan: readonly PlannedRun[], runs: readonly T[]): (T | null)[] {
    return plans.reusableFor(plan, runs, planFacts());
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
    const context = 'Starting the experiments';
    const input = jobInput(context, o.config);
    if (!input) return false;
    let plan: PlannedRun[];
    try {
      plan = plans.planExperiments(input.source, input.config, axes);
    } catch (e) {
      useNoticeStore().report(e instanceof SweepPlanError ? e : new Error(String(e)), context);
      return false;
    }
    const found = o.reuse ? reusableFor(plan, o.reuse) : plan.map(() => null);
    const { taken, toRun, skip } = plans.splitPlan(plan, found);
    const task = o.labTask ?? null;
    const takeReused = () => {
      reused.value = taken;
      labTask.value = task;
      for (const t of taken) finished.add({ runDir: t.runDir, run: found[t.planIndex]!.record, labTask: task });
    };
    if (!toRun.length) {
      // every run was made before: nothing to train
      runs.value = [];
      takeReused();
      useNoticeStore().resolve(context);
      return true;
    }
    const sweep = { ...input, axes: plain(axes), ...(skip.length ? { skip } : {}) };
    const started = await launch(toRun, task, context, (id) => api.call('sweep.start', { ...sweep, jobId: id }));
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
      await job.showCurrent();
    } catch (e) {
      useNoticeStore().report(e, 'Checking for a training run in progress');
    }
  }

  /** another project was opened (or this one restored): show the engine's job if it is this project's */
  async function followProject(): Promise<void> {
    try {
      await job.showCurrent();
    } catch {
      // no engine answer: the view stays as it was, resume() reports a dead engine
    }
  }

  return {
    jobId: readonly(jobId),
    status: readonly(status),
    epochs: readonly(view.epochs),
    phase: readonly(view.phase),
    progress: readonly(view.progress),
    logs: readonly(view.logs),
    error: readonly(view.error),
    runDir: readonly(view.runDir),
    runId: readonly(view.runId),
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
    lastEpoch: view.lastEpoch,
    plannedEpochs,
    epochsDone,
    lastLog: view.lastLog,
    backendNote: view.backendNote,
    extractorNote: view.extractorNote,
    extractorWhy: view.extractorWhy,
    onRunFinished: finished.listen,
    planExperiments,
    reusableFor,
    start,
    stop,
    resume,
    followProject,
  };
});
