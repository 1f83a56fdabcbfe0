import * as echarts from 'echarts/core';
import { HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { EChartsOption } from 'echarts';
import {
  confusionHeight,
  confusionOption,
  curvesOption,
  legendItem,
  legendRows,
  reportMedium,
  smallMultiplesAbove,
  smallMultiplesOption,
  type CurveSeries,
} from '../../../shared/charts';
import type { FeatureMap } from '../../../shared/featureMap';
import { featureMapLegendRows, featureMapOption } from '../../../shared/featureMapChart';

/**
 * The report's charts: the app's own options (shared/charts.ts), rendered to SVG strings on the
 * server side, so the report needs no browser and no script to show them.
 */
echarts.use([LineChart, HeatmapChart, ScatterChart, GridComponent, LegendComponent, TitleComponent, VisualMapComponent, SVGRenderer]);

function render(option: EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    // no tooltip on paper
    const { tooltip: _tooltip, ...paper } = option;
    chart.setOption(paper);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/**
 * one line a series: curves per epoch, or accuracy against images per class (log x); past a
 * handful of runs, one small chart a run on the same axes (small multiples), as in the app
 */
export function lineChartSvg(o: { series: readonly CurveSeries[]; percent?: boolean; xName: string; logX?: boolean; width?: number; height?: number }): string {
  if (o.series.length > smallMultiplesAbove) {
    const m = smallMultiplesOption({ series: o.series, percent: o.percent, logX: o.logX, columns: 4, cellHeight: 120, dotsUpTo: 30 }, reportMedium);
    return render(m.option, o.width ?? 640, m.height);
  }
  const width = o.width ?? 640;
  // a legend of long names wraps on paper: the plot keeps its height below it
  const extraLines =
    legendRows(
      o.series.map((s) => s.name),
      width,
      reportMedium,
    ) - 1;
  return render(
    curvesOption({ series: o.series, percent: o.percent, xName: o.xName, logX: o.logX, xMax: 'dataMax', dotsUpTo: 30, legend: 'top', width }, reportMedium),
    width,
    (o.height ?? 240) + extraLines * 20,
  );
}

/** the tallest figure a page holds with its caption (Letter less its margins: about 930 px) */
const maxFigureHeight = 880;

/** the confusion matrix as in the app: rows the true class, columns the prediction, right in blue, confusions in red */
export function confusionSvg(classes: readonly string[], matrix: readonly (readonly number[])[]): string {
  const n = classes.length;
  // a figure is not split across pages: at most what an A4 or Letter page holds beside its caption
  return render(confusionOption(classes, matrix, {}, reportMedium), Math.min(720, 180 + n * 48), Math.min(confusionHeight(n), maxFigureHeight));
}

/** a run's feature map as in the app: a class a colour, test images as diamonds, the ones it got wrong ringed in red */
export function featureMapSvg(map: FeatureMap, classes: readonly string[], width = 340, height = 300): string {
  // the plot keeps its height below a legend that wraps
  const extra = (featureMapLegendRows(classes, width, reportMedium) - 1) * legendItem.line;
  return render(featureMapOption(map, classes, { width }, reportMedium), width, height + extra);
}
