// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { sampleRun } from '../testing/fixtures';
import { resetApi } from '../testing/mockApi';
import { useEvaluationStore } from './evaluation';
import { useProjectStore } from './project';

vi.mock('../api/client', () => import('../testing/mockApi'));

describe('useEvaluationStore', () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });

  it('shows the latest run unless another is picked', () => {
    const project = useProjectStore();
    const evaluation = useEvaluationStore();
    expect(evaluation.run).toBeNull();
    project.addRun('/r/1', sampleRun('run-1'));
    project.addRun('/r/2', sampleRun('run-2'));
    expect(evaluation.run?.id).toBe('run-2');
    evaluation.selectRun('run-1');
    expect(evaluation.run?.id).toBe('run-1');
  });

  it('opens the test images behind a cell, least confident first; a second click closes it', () => {
    useProjectStore().addRun('/r/1', sampleRun('run-1'));
    const evaluation = useEvaluationStore();
    evaluation.selectCell(0, 0);
    expect(evaluation.cellPredictions.map((p) => p.path)).toEqual(['cat/2.jpg', 'cat/1.jpg']);
    expect(evaluation.cellCount).toBe(2);
    evaluation.selectCell(1, 0);
    expect(evaluation.cellPredictions.map((p) => p.path)).toEqual(['dog/3.jpg']);
    evaluation.selectCell(1, 0);
    expect(evaluation.cell).toBeNull();
  });
});
