// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { chartColors, darkChartColors, trainValSeries, curvesOption } from '../../../shared/charts';
import { useAppearanceStore } from '../stores/appearance';
import ThemedChart from './ThemedChart.vue';

// the chart library needs a canvas-less SVG surface; this test reads what the chart is given
vi.mock('vue-echarts', () => ({ default: { name: 'VChart', props: ['option', 'theme'], render: () => null } }));

describe('a chart on a light or a dark window', () => {
  it('gets the option as written on a light window, and the dark palette with the dark theme on a dark one', async () => {
    localStorage.clear();
    const pinia = createPinia();
    setActivePinia(pinia);
    const option = curvesOption({
      series: trainValSeries(
        [
          [1, 0.5],
          [2, 0.4],
        ],
        [
          [1, 0.6],
          [2, 0.5],
        ],
      ),
    });
    const w = mount(ThemedChart, { props: { option }, global: { plugins: [pinia] } });
    const chart = () => w.getComponent({ name: 'VChart' }).props() as { option: typeof option; theme?: string };
    const lineColours = () => (chart().option.series as { color: string }[]).map((s) => s.color);
    useAppearanceStore().choose('light');
    await nextTick();
    expect(chart().option).toBe(option);
    expect(chart().theme).toBeUndefined();
    expect(lineColours()).toEqual([chartColors.train, chartColors.val]);

    useAppearanceStore().choose('dark');
    await nextTick();
    expect(chart().theme).toBe('transfer-lab-dark');
    expect(lineColours()).toEqual([darkChartColors.train, darkChartColors.val]);
    // the option the page holds is left as it was (the report draws from the same)
    expect((option.series as { color: string }[])[0]!.color).toBe(chartColors.train);
  });
});
