import { computed, type Ref } from 'vue';
import { estimateExperiments } from '../../../../shared/estimate';
import type { LabTask } from '../../../../shared/lab';
import type { RunRecord } from '../../../../shared/run';
import { plannedConfig } from '../../../../shared/sweep';
import { useDatasetStore } from '../../stores/dataset';
import { useModelStore } from '../../stores/model';
import { useTrainingStore } from '../../stores/training';
import { formatDuration } from '../../util/format';
import { projectRunList, taskAxes } from './labRuns';

export interface ExperimentEstimate {
  text: string;
  /** long enough to say it can be stopped */
  long: boolean;
  /** the runs never timed here, each with why */
  unknown: string[];
}

/**
 * How long a task's experiment will take here, before it starts: measured per-epoch times of
 * the project's runs of the same kind, the model's measured speed for a cache not filled yet;
 * runs that will be reused cost nothing; what was never measured is said, not guessed.
 */
export function useExperimentEstimate(task: Ref<LabTask>, models: Ref<string[]>, records: Ref<RunRecord[]>) {
  const training = useTrainingStore();
  const dataset = useDatasetStore();
  const model = useModelStore();
  return computed<ExperimentEstimate | null>(() => {
    const e = task.value.experiment;
    const scan = dataset.scan;
    if (!e || !scan || !model.source) return null;
    let plan;
    try {
      plan = training.planExperiments(taskAxes(task.value, models.value), { config: e.config });
    } catch {
      return null;
    }
    const reused = training.reusableFor(plan, projectRunList());
    const todo = plan.filter((_, i) => !reused[i]);
    if (!todo.length)
      return {
        text: `Every run of this experiment is in the project already, with the same settings: running it again reuses them and trains nothing.`,
        long: false,
        unknown: [] as string[],
      };
    const r = estimateExperiments(
      todo.map((p) => ({ model: p.model, config: plannedConfig(p) })),
      {
        history: records.value,
        datasetRoot: scan.root,
        trainImages: scan.images.filter((i) => i.split === 'train').length,
        classes: scan.classes.length,
        allImages: scan.images.length,
        extractSpeed: (m) => model.measuredSpeed(m)?.measurement.imagesPerSecond ?? null,
      },
    );
    const unknown = r.unknown.map((u) => `${todo[u.index]!.label}: ${u.reason}`);
    const reusedNote = todo.length < plan.length ? ` (${plan.length - todo.length} of ${plan.length} reused)` : '';
    const text =
      r.seconds === null
        ? `Not timed on this machine yet${reusedNote}.`
        : `${r.unknown.length ? 'At least' : 'About'} ${formatDuration(r.seconds)} on this machine for ${todo.length - r.unknown.length} run${todo.length - r.unknown.length === 1 ? '' : 's'}${reusedNote}: ${r.basis}.`;
    return { text, long: (r.seconds ?? 0) > 120 || r.unknown.some((u) => todo[u.index]!.fineTune > 0), unknown };
  });
}
