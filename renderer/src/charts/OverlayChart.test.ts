// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it, vi } from 'vitest';
import ChartFigure from './ChartFigure.vue';
import OverlayChart from './OverlayChart.vue';

// the chart library needs a canvas-less SVG surface; these tests read the option it is given
vi.mock('vue-echarts', () => ({ default: { name: 'VChart', props: ['option'], render: () => null } }));

type FigureProps = { option: { grid: object | object[]; legend?: object; title?: { text: string }[] }; height: number; title: string };
const figureOf = (w: ReturnType<typeof mount>) => w.getComponent(ChartFigure).props() as unknown as FigureProps;
const runs = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `${i + 1}: batch ${i + 1}`,
    points: [
      [1, 0.5],
      [2, 0.6 + i / 100],
    ] as [number, number][],
  }));

describe('curves of several runs', () => {
  it('stay one chart with a legend for a few runs', () => {
    const w = mount(OverlayChart, { props: { title: 'Validation accuracy', series: runs(3), percent: true }, global: { plugins: [createPinia()] } });
    const { option } = figureOf(w);
    expect(Array.isArray(option.grid)).toBe(false);
    expect(option.legend).toBeDefined();
  });

  it('become one small chart a run past six, so 23 runs are 23 shapes and not a tangle', () => {
    const w = mount(OverlayChart, { props: { title: 'Validation accuracy', series: runs(23), percent: true }, global: { plugins: [createPinia()] } });
    const figure = figureOf(w);
    expect(figure.option.grid).toHaveLength(23);
    expect(figure.option.title!.map((t) => t.text)).toContain('23: batch 23');
    expect(figure.height).toBeGreaterThan(600);
    expect(figure.title).toContain('one chart a run');
  });
});
