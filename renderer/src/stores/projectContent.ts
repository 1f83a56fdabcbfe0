import { computed, ref } from 'vue';
import type { LabProgress } from '../../../shared/lab';
import type { RunRecord } from '../api/types';
import { UNTITLED, type ProjectRun, type ProjectState } from './projectDocument';
import { startedLab, withLabAnswer, withLabRun, withoutLabRun } from './projectLab';
import { withRun } from './projectRuns';
import { currentSettings } from './projectSettings';

/**
 * What the project holds itself, and its edits: the name, the notes, the runs so far, the
 * step open, the guided lab's progress. The other stores hold its settings; `state` is the
 * two together, the document that is saved. Plain Vue refs: made inside the project store's
 * setup, they belong to it.
 */
export function createProjectContent() {
  const name = ref(UNTITLED);
  const notes = ref('');
  const runs = ref<ProjectRun[]>([]);
  const step = ref('dataset');
  /** the guided lab's progress: answers, the runs each task made, the task open last */
  const lab = ref<LabProgress | null>(null);

  const state = computed<ProjectState>(() => ({
    name: name.value,
    ...currentSettings(),
    runs: runs.value,
    notes: notes.value,
    lab: lab.value,
    ui: { step: step.value },
  }));

  function setName(n: string): void {
    name.value = n.trim() || UNTITLED;
  }
  function setNotes(n: string): void {
    notes.value = n;
  }
  function setStep(s: string): void {
    step.value = s;
  }

  function startLab(labId: string): void {
    lab.value = startedLab(lab.value, labId);
  }
  function setLabAnswer(questionId: string, text: string): void {
    if (lab.value) lab.value = withLabAnswer(lab.value, questionId, text);
  }
  function setLabTask(taskId: string): void {
    // where the student is is not a change worth saving on its own
    if (lab.value) lab.value.task = taskId;
  }
  function addLabRun(taskId: string, runId: string): void {
    if (lab.value) lab.value = withLabRun(lab.value, taskId, runId);
  }

  function addRun(runDir: string, record: RunRecord): void {
    runs.value = withRun(runs.value, runDir, record);
  }

  /**
   * A run taken out of the project (and out of the lab tasks that counted it); what undoes it
   * comes back: the run in its place, in its tasks again. Null when the project has no such run.
   */
  function removeRun(id: string): (() => void) | null {
    const at = runs.value.findIndex((r) => r.record.id === id);
    if (at < 0) return null;
    const removed = runs.value[at]!;
    const tasks = Object.entries(lab.value?.runs ?? {}).flatMap(([task, ids]) => (ids.includes(id) ? [task] : []));
    runs.value = runs.value.filter((r) => r.record.id !== id);
    if (lab.value) lab.value = withoutLabRun(lab.value, id);
    return () => {
      if (runs.value.some((r) => r.record.id === id)) return;
      const next = [...runs.value];
      next.splice(Math.min(at, next.length), 0, removed);
      runs.value = next;
      for (const task of tasks) if (lab.value) lab.value = withLabRun(lab.value, task, id);
    };
  }

  /** the content a project describes, put in place of this one (its settings are restored apart: projectSettings.ts) */
  function put(s: ProjectState): void {
    name.value = s.name;
    notes.value = s.notes;
    runs.value = s.runs;
    lab.value = s.lab ? { ...s.lab } : null;
    step.value = s.ui.step;
  }

  return { name, notes, runs, step, lab, state, setName, setNotes, setStep, startLab, setLabAnswer, setLabTask, addLabRun, addRun, removeRun, put };
}
