// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunRecord } from '../../../../shared/run';
import { useProjectStore } from '../../stores/project';
import { sampleRun } from '../../testing/fixtures';
import { anyRouter } from '../../testing/anyRouter';
import { handle, resetApi, sent } from '../../testing/mockApi';
import EvaluateStep from '../evaluate/EvaluateStep.vue';
import CompareRuns from './CompareRuns.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

function runs(): RunRecord[] {
  const five = sampleRun('run-5');
  five.config = { ...five.config, imagesPerClass: 5, epochs: 20 };
  const ten = sampleRun('run-10');
  ten.config = { ...ten.config, imagesPerClass: 10, epochs: 20 };
  const long = sampleRun('run-10-long');
  long.config = { ...long.config, imagesPerClass: 10, epochs: 40 };
  return [five, ten, long];
}

describe('run labels where runs are shown together', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('the Compare table names every setting that differs among the runs it lists, even when the chart shows fewer', async () => {
    const project = useProjectStore();
    for (const r of runs()) project.addRun(`/work/runs/${r.id}`, r);
    const w = mount(CompareRuns, { global: { plugins: [anyRouter()] } });
    await flushPromises();
    // chart only runs 2 and 3: they differ in epochs alone, yet the table still lists run 1 with its 5 images a class
    await w.get('[aria-label="Compare run 1"]').setValue(false);
    const heads = w.get('[data-testid="compare-table"] thead').text();
    expect(heads).toContain('images per class');
    expect(heads).toContain('epochs asked');
    expect(w.get('[data-testid="compare-row-1"]').text()).toContain('5');
    expect(w.get('[data-testid="compare-row-2"]').text()).not.toBe(w.get('[data-testid="compare-row-3"]').text());
  });

  it('opens a run in Evaluate from its number', async () => {
    const router = anyRouter();
    const project = useProjectStore();
    for (const r of runs()) project.addRun(`/work/runs/${r.id}`, r);
    const w = mount(CompareRuns, { global: { plugins: [router] } });
    await flushPromises();
    await w.get('[data-testid="compare-open-2"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/evaluate?run=run-10');
  });

  it('the Evaluate step’s run picker tells runs apart by images per class and epochs', async () => {
    const router = anyRouter();
    const project = useProjectStore();
    for (const r of runs()) project.addRun(`/work/runs/${r.id}`, r);
    const w = mount(EvaluateStep, { global: { plugins: [router] } });
    await flushPromises();
    const options = w.findAll('[data-testid="run-picker"] option').map((o) => o.text());
    expect(options).toHaveLength(3);
    expect(options[0]).toMatch(/^1: per class 5 · epochs 20 · /);
    expect(options[1]).toMatch(/^2: per class 10 · epochs 20 · /);
    expect(options[2]).toMatch(/^3: per class 10 · epochs 40 · /);
  });
});

describe('removing a run', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
    handle('project.forgetRuns', () => ({}));
  });

  it('takes it out of the project and its lab task, tells the engine, and Undo puts it back in its place', async () => {
    const project = useProjectStore();
    for (const r of runs()) project.addRun(`/work/runs/${r.id}`, r);
    project.startLab('transfer-learning');
    project.addLabRun('images-per-class', 'run-10');
    const w = mount(CompareRuns, { global: { plugins: [anyRouter()] } });
    await flushPromises();
    await w.get('[data-testid="compare-remove-2"]').trigger('click');
    await flushPromises();
    expect(project.runs.map((r) => r.record.id)).toEqual(['run-5', 'run-10-long']);
    expect(project.lab?.runs['images-per-class']).toEqual([]);
    expect(project.dirty).toBe(true);
    expect(sent('project.forgetRuns')).toEqual([{ runIds: ['run-10'] }]);
    expect(w.get('[data-testid="compare-removed"]').text()).toMatch(/^Run 2 \(.*per class 10.*\) is out of the project/);
    expect(w.findAll('[data-testid^="compare-row-"]')).toHaveLength(2);
    await w.get('[data-testid="compare-undo"]').trigger('click');
    expect(project.runs.map((r) => r.record.id)).toEqual(['run-5', 'run-10', 'run-10-long']);
    expect(project.lab?.runs['images-per-class']).toEqual(['run-10']);
    expect(w.find('[data-testid="compare-removed"]').exists()).toBe(false);
  });
});

describe('sorting the Compare table', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
    handle('project.forgetRuns', () => ({}));
  });

  /** three runs that differ in learning rate, with accuracies out of their order */
  function rated(): RunRecord[] {
    const settings: [number, number][] = [
      [0.01, 0.5],
      [1, 0.9],
      [0.001, 0.25],
    ];
    return settings.map(([lr, accuracy], i) => {
      const r = sampleRun(`run-${i + 1}`);
      r.config = { ...r.config, learningRate: lr };
      r.evaluation = { ...r.evaluation, accuracy };
      return r;
    });
  }
  const order = (w: ReturnType<typeof mount>) => w.findAll('[data-testid^="compare-row-"]').map((row) => row.attributes('data-testid'));

  it('a heading click puts the best accuracy on top, the next click the worst; each run keeps its number', async () => {
    const project = useProjectStore();
    for (const r of rated()) project.addRun(`/work/runs/${r.id}`, r);
    const w = mount(CompareRuns, { global: { plugins: [anyRouter()] } });
    await flushPromises();
    expect(order(w)).toEqual(['compare-row-1', 'compare-row-2', 'compare-row-3']);
    const heading = w.get('[data-testid="compare-sort-accuracy"]');
    expect(heading.attributes('aria-sort')).toBe('none');
    // a button inside the heading: Tab reaches it, Enter and Space sort
    await heading.get('button').trigger('click');
    expect(heading.attributes('aria-sort')).toBe('descending');
    expect(order(w)).toEqual(['compare-row-2', 'compare-row-1', 'compare-row-3']);
    expect(w.get('[data-testid="compare-row-2"] td.num').text()).toBe('2');
    expect(w.get('[data-testid="compare-accuracy-2"]').text()).toBe('90.0%');
    await heading.get('button').trigger('click');
    expect(heading.attributes('aria-sort')).toBe('ascending');
    expect(order(w)).toEqual(['compare-row-3', 'compare-row-1', 'compare-row-2']);
  });

  it('sorts a setting by its value, not its printed text: learning rate 0.001 < 0.01 < 1', async () => {
    const project = useProjectStore();
    for (const r of rated()) project.addRun(`/work/runs/${r.id}`, r);
    const w = mount(CompareRuns, { global: { plugins: [anyRouter()] } });
    await flushPromises();
    const lr = w.findAll('[data-testid="compare-table"] thead th').find((th) => th.text().startsWith('learning rate'));
    await lr!.get('button').trigger('click');
    expect(order(w)).toEqual(['compare-row-3', 'compare-row-1', 'compare-row-2']);
  });

  it('stays sorted as runs are removed and put back; a removed run is named by its number', async () => {
    const project = useProjectStore();
    for (const r of rated()) project.addRun(`/work/runs/${r.id}`, r);
    const w = mount(CompareRuns, { global: { plugins: [anyRouter()] } });
    await flushPromises();
    await w.get('[data-testid="compare-sort-accuracy"] button').trigger('click');
    await w.get('[data-testid="compare-remove-1"]').trigger('click');
    await flushPromises();
    expect(w.get('[data-testid="compare-removed"]').text()).toMatch(/^Run 1 /);
    // the project now numbers the two left 1 and 2: run-2 (90 %) first, then run-3 (25 %)
    expect(order(w)).toEqual(['compare-row-1', 'compare-row-2']);
    expect(w.get('[data-testid="compare-accuracy-1"]').text()).toBe('90.0%');
    await w.get('[data-testid="compare-undo"]').trigger('click');
    await flushPromises();
    expect(order(w)).toEqual(['compare-row-2', 'compare-row-1', 'compare-row-3']);
  });
});

describe('the Compare table’s times', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('gives the train column one unit, so 0.1 s does not read as less than 51 ms', async () => {
    const project = useProjectStore();
    [0.1, 0.051].forEach((trainSeconds, i) => {
      const r = sampleRun(`run-${i + 1}`);
      r.config = { ...r.config, learningRate: i ? 0.1 : 0.01 };
      r.timings = { ...r.timings, trainSeconds };
      project.addRun(`/work/runs/${r.id}`, r);
    });
    const w = mount(CompareRuns, { global: { plugins: [anyRouter()] } });
    await flushPromises();
    const cells = w.findAll('[data-testid^="compare-row-"]').map((row) => row.findAll('td').at(-3)!.text());
    expect(cells).toEqual(['100 ms', '51 ms']);
  });

  it('gives a run\u2019s peak memory with what the engine held when it began: a run after a fine-tuned one starts high', async () => {
    const project = useProjectStore();
    [
      [537, 250],
      [830, 800],
    ].forEach(([peakRssMiB, rssAtStartMiB], i) => {
      const r = { ...sampleRun(`run-${i + 1}`), peakRssMiB: peakRssMiB!, rssAtStartMiB: rssAtStartMiB! };
      r.config = { ...r.config, learningRate: i ? 0.1 : 0.01 };
      project.addRun(`/work/runs/${r.id}`, r);
    });
    // a run made before the start was kept: its peak alone
    const old = sampleRun('run-3');
    old.config = { ...old.config, learningRate: 1 };
    project.addRun(`/work/runs/${old.id}`, old);
    const w = mount(CompareRuns, { global: { plugins: [anyRouter()] } });
    await flushPromises();
    const cells = w.findAll('[data-testid^="compare-row-"]').map((row) => row.findAll('td').at(-2)!);
    // the start on a line of its own under the peak, so the column stays as narrow as the figure
    expect(cells.map((c) => [c.text().replace(/\s+/g, ' ').trim(), c.find('.sub').exists() ? c.find('.sub').text() : null])).toEqual([
      ['537 MiB 250 at its start', '250 at its start'],
      ['830 MiB 800 at its start', '800 at its start'],
      [`${old.peakRssMiB} MiB`, null],
    ]);
  });
});
