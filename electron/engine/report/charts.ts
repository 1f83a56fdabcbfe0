import * as echarts from 'echarts/core';
import { HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

/**
 * The report's charts, drawn by the same library the app draws with (ECharts), rendered to
 * SVG strings on the server side: the report needs no browser and no script to show them.
 */
echarts.use([LineChart, HeatmapChart, GridComponent, LegendComponent, VisualMapComponent, SVGRenderer]);

const palette = ['#2f6fde', '#d9822b', '#1a9c5b', '#c0342b', '#7a56c2', '#19a3a3', '#b8860b', '#d6337f', '#5d6875', '#8c564b'];
const text = '#5d6875';

function render(option: Record<string, unknown>, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'DejaVu Sans, Arial, sans-serif' }, color: palette, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** one line a series: curves per epoch, or accuracy against images per class (log x) */
export function lineChartSvg(o: { series: { name: string; points: [number, number][] }[]; percent?: boolean; xName: string; logX?: boolean; width?: number; height?: number }): string {
  return render(
    {
      grid: { left: 52, right: 16, top: 36, bottom: 36 },
      legend: { top: 2, left: 56, right: 8, itemWidth: 14, itemHeight: 8, textStyle: { color: text, fontSize: 10 } },
      xAxis: { type: o.logX ? 'log' : 'value', name: o.xName, nameLocation: 'middle', nameGap: 22, nameTextStyle: { color: text, fontSize: 10 }, minInterval: 1, min: o.logX ? undefined : 1, max: 'dataMax', axisLabel: { color: text, fontSize: 10 }, splitLine: { show: false } },
      yAxis: { type: 'value', ...(o.percent ? { min: 0, max: 1 } : { scale: true }), axisLabel: { color: text, fontSize: 10, formatter: o.percent ? (v: number) => `${Math.round(v * 100)}%` : undefined }, splitLine: { lineStyle: { color: '#e6e9ee' } } },
      series: o.series.map((s) => ({ name: s.name, type: 'line', data: s.points, showSymbol: s.points.length <= 30, symbolSize: 5, lineStyle: { width: 2 } })),
    },
    o.width ?? 640,
    o.height ?? 240,
  );
}

/** the confusion matrix as a heatmap with its counts: rows the true class, columns the prediction */
export function confusionSvg(classes: readonly string[], matrix: readonly (readonly number[])[]): string {
  const n = classes.length;
  const size = Math.min(640, 140 + n * 48);
  const data = matrix.flatMap((row, i) => row.map((v, j) => [j, n - 1 - i, v]));
  const max = Math.max(1, ...matrix.flat());
  return render(
    {
      grid: { left: 110, right: 16, top: 12, bottom: 90 },
      xAxis: { type: 'category', data: [...classes], name: 'predicted class', nameLocation: 'middle', nameGap: 70, axisLabel: { color: text, fontSize: 10, rotate: 35 }, nameTextStyle: { color: text } },
      yAxis: { type: 'category', data: [...classes].reverse(), name: 'true class', nameLocation: 'middle', nameGap: 95, axisLabel: { color: text, fontSize: 10 }, nameTextStyle: { color: text } },
      visualMap: { show: false, min: 0, max, inRange: { color: ['#ffffff', '#2f6fde'] } },
      series: [{ type: 'heatmap', data, label: { show: true, fontSize: 10 }, itemStyle: { borderColor: '#e6e9ee', borderWidth: 1 } }],
    },
    size,
    Math.min(560, 110 + n * 40),
  );
}
