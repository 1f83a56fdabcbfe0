import { darkChartTheme } from '../../../shared/charts';
import { HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { registerTheme, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

/**
 * The parts of ECharts the app draws with, registered once (tree-shaken: the full build is
 * ten times the size). SVG: crisp at any zoom, and readable by tests without a canvas.
 */
use([SVGRenderer, LineChart, HeatmapChart, ScatterChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent]);

// the options themselves are shared with the lab report: shared/charts.ts; on a dark window
// ThemedChart.vue swaps their colours and draws with these defaults
export const darkThemeName = 'transfer-lab-dark';
registerTheme(darkThemeName, darkChartTheme);
