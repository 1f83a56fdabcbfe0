import { HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

/**
 * The parts of ECharts the app draws with, registered once (tree-shaken: the full build is
 * ten times the size). SVG: crisp at any zoom, and readable by tests without a canvas.
 */
use([SVGRenderer, LineChart, HeatmapChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent]);

export const chartColors = { train: '#2f6fde', val: '#d9822b', text: '#5d6875', grid: '#e6e9ee' };

/** one colour a run when runs share a chart: distinct, and readable on white */
export const seriesColors = ['#2f6fde', '#d9822b', '#1a9c5b', '#c0342b', '#7a56c2', '#19a3a3', '#b8860b', '#d6337f', '#5d6875', '#8c564b'];

const axisText = { color: chartColors.text, fontSize: 11 };

/** the x axis of a curve: epochs (whole numbers from 1), or any named value */
export function curveXAxis(o: { name?: string; log?: boolean; max?: number }) {
  return {
    type: o.log ? ('log' as const) : ('value' as const),
    name: o.name ?? 'epoch',
    nameLocation: 'middle' as const,
    nameGap: 20,
    nameTextStyle: axisText,
    min: o.log ? undefined : 1,
    ...(o.max !== undefined ? { max: o.max } : {}),
    minInterval: 1,
    axisLabel: axisText,
    splitLine: { show: false },
  };
}

/** the y axis of a curve: 0–100 % for accuracies; a loss scaled to the data, or a small drop looks flat against zero */
export function curveYAxis(percent: boolean) {
  return {
    type: 'value' as const,
    ...(percent ? { min: 0, max: 1 } : { scale: true }),
    axisLabel: { ...axisText, formatter: percent ? (v: number) => `${Math.round(v * 100)}%` : undefined },
    splitLine: { lineStyle: { color: chartColors.grid } },
  };
}

/** a tooltip's number: a percentage with one decimal, or a loss with four */
export const curveValue = (percent: boolean) => (v: unknown) => (typeof v === 'number' ? (percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(4)) : String(v));
