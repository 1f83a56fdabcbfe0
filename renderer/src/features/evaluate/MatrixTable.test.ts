// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useEvaluationStore } from '../../stores/evaluation';
import { useProjectStore } from '../../stores/project';
import { sampleRun } from '../../testing/fixtures';
import { resetApi } from '../../testing/mockApi';
import MatrixTable from './MatrixTable.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

describe('MatrixTable', () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });

  it('renders one button per cell with its count, and a click opens that cell', async () => {
    useProjectStore().addRun('/r/1', sampleRun('run-1'));
    const w = mount(MatrixTable);
    expect(w.get('[data-testid="cm-cell-1-0"]').text()).toBe('1');
    expect(w.findAll('[data-testid^="cm-cell-"]')).toHaveLength(4);
    await w.get('[data-testid="cm-cell-1-0"]').trigger('click');
    expect(useEvaluationStore().cell).toEqual({ row: 1, col: 0 });
  });

  it('starts closed past 20 classes and builds its buttons only when opened (80 classes made 6400 under the chart)', async () => {
    const run = sampleRun('run-1');
    const classes = Array.from({ length: 30 }, (_, i) => `class_${i}`);
    const confusionMatrix = classes.map((_, r) => classes.map((_, c) => (r === c ? 1 : 0)));
    useProjectStore().addRun('/r/1', { ...run, evaluation: { ...run.evaluation, classes, confusionMatrix } });
    const w = mount(MatrixTable);
    const details = w.get('[data-testid="cm-table-details"]');
    expect(details.attributes('open')).toBeUndefined();
    expect(w.findAll('[data-testid^="cm-cell-"]')).toHaveLength(0);
    (details.element as HTMLDetailsElement).open = true;
    await details.trigger('toggle');
    expect(w.findAll('[data-testid^="cm-cell-"]')).toHaveLength(900);
  });
});
