import { computed } from 'vue';
import { labs, taskModels, type LabTask } from '../../../../shared/lab';
import type { RunRecord } from '../../../../shared/run';
import type { SweepAxes } from '../../../../shared/sweep';
import { useModelStore } from '../../stores/model';
import { useProjectStore } from '../../stores/project';
import { useTrainingStore } from '../../stores/training';

/** the project's runs with their folders, as plain records (the store hands out read-only views; these only read) */
export function projectRunList(): { runDir: string; record: RunRecord }[] {
  return useProjectStore().runs as unknown as { runDir: string; record: RunRecord }[];
}

/** the grid a task's experiment runs: its axes, and the models it compares (the file's list unless given) */
export function taskAxes(task: LabTask, models?: string[]): SweepAxes {
  const e = task.experiment;
  if (!e) return {};
  const list = models ?? taskModels(task, useModelStore().source);
  return { ...e.axes, ...(e.models ? { model: list.length ? list : [useModelStore().source ?? ''].filter(Boolean) } : {}) };
}

/**
 * A lab task's runs: those its experiment made or reused, and any other run of the project
 * made with exactly the settings one of its planned runs would use (trained in Experiments or
 * the Train step). So the lab and the Experiments step count the same runs, and the
 * sidebar's "N runs" is those of the tasks.
 */
export function useLabRuns() {
  const project = useProjectStore();
  const training = useTrainingStore();

  function runsOf(task: LabTask): RunRecord[] {
    const all = projectRunList();
    const records = all.map((r) => r.record);
    if (!task.experiment) return records.length ? [[...records].sort((a, b) => b.evaluation.accuracy - a.evaluation.accuracy)[0]!] : [];
    const ids = new Set(project.lab?.runs[task.id] ?? []);
    try {
      const plan = training.planExperiments(taskAxes(task), { config: task.experiment.config });
      for (const m of training.reusableFor(plan, all)) if (m) ids.add(m.record.id);
    } catch {
      // a plan that cannot be made (no model yet) matches nothing
    }
    return records.filter((r) => ids.has(r.id));
  }

  /** the distinct runs of the lab's experiments */
  const runCount = computed(() => {
    const lab = labs.find((l) => l.id === project.lab?.labId);
    if (!lab) return 0;
    return new Set(lab.tasks.filter((t) => t.experiment).flatMap((t) => runsOf(t).map((r) => r.id))).size;
  });

  return { runsOf, runCount };
}
