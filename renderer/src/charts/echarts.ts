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
