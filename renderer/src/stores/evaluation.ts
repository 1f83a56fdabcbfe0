import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import type { TestPrediction } from '../../../shared/run';
import { useProjectStore } from './project';

/**
 * The evaluate step: which run is shown, and which confusion-matrix cell is open. A cell
 * (true class r, predicted class c) opens the test images behind its count: the diagonal
 * shows what the model gets right, the rest what it confuses.
 */
export const useEvaluationStore = defineStore('evaluation', () => {
  const project = useProjectStore();
  /** a run id; null: the latest run */
  const selectedRunId = ref<string | null>(null);
  const cell = ref<{ row: number; col: number } | null>(null);
  /** the matrix as counts, or each row as shares of its true class (classes of unequal size compare fairly) */
  const byTrueClass = ref(false);

  const entry = computed(() => {
    const runs = project.runs;
    return runs.find((r) => r.record.id === selectedRunId.value) ?? runs[runs.length - 1] ?? null;
  });
  const run = computed(() => entry.value?.record ?? null);
  const evaluation = computed(() => run.value?.evaluation ?? null);
  const cellPredictions = computed<readonly TestPrediction[]>(() => {
    const c = cell.value;
    const ev = evaluation.value;
    if (!c || !ev) return [];
    // the least confident first: those are the images worth a look
    return ev.predictions.filter((p) => p.trueLabel === c.row && p.predictedLabel === c.col).sort((a, b) => a.confidence - b.confidence);
  });
  /** for cells whose count the matrix has but the run stored no per-image list (older runs) */
  const cellCount = computed(() => (cell.value && evaluation.value ? (evaluation.value.confusionMatrix[cell.value.row]?.[cell.value.col] ?? 0) : 0));

  function selectRun(id: string | null): void {
    selectedRunId.value = id;
    cell.value = null;
  }

  function selectCell(row: number, col: number): void {
    cell.value = cell.value && cell.value.row === row && cell.value.col === col ? null : { row, col };
  }

  function clearCell(): void {
    cell.value = null;
  }

  function showByTrueClass(on: boolean): void {
    byTrueClass.value = on;
  }

  return {
    selectedRunId: readonly(selectedRunId),
    cell: readonly(cell),
    byTrueClass: readonly(byTrueClass),
    showByTrueClass,
    entry,
    run,
    evaluation,
    cellPredictions,
    cellCount,
    selectRun,
    selectCell,
    clearCell,
  };
});
