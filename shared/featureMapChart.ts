import type { EChartsOption } from 'echarts';
import { appMedium, chartColors, legendItem, legendRows, type ChartMedium } from './charts';
import type { FeatureMapPoint } from './featureMap';

/**
 * The feature map as a scatter chart: one series a class (its colour, and its legend entry to
 * hide it), training and validation images as dots, test images as diamonds, and a test image
 * the run got wrong ringed in red. A point's value carries its index into the map's points, so
 * a click finds the image.
 */

const splitName = { train: 'training', val: 'validation', test: 'test' } as const;
const fileName = (p: string) => p.split('/').pop() ?? p;

/** a point in words: its class, its split and file, and what the run called it where it was wrong */
export function describePoint(p: FeatureMapPoint, classes: readonly string[]): string {
  const wrong = p.predicted !== undefined && p.predicted !== p.label ? `; the run took it for ${classes[p.predicted] ?? p.predicted}` : '';
  const right = p.predicted === p.label ? '; the run got it right' : '';
  return `${classes[p.label] ?? p.label} · ${splitName[p.split]} image ${fileName(p.path)}${wrong}${right}`;
}

/** the lines a map's legend takes: one on screen (it scrolls), as many as the names need at a fixed width */
export const featureMapLegendRows = (classes: readonly string[], width: number | undefined, m: ChartMedium = appMedium) =>
  width ? legendRows(classes, width, m) : 1;

export const isMisread = (p: FeatureMapPoint) => p.predicted !== undefined && p.predicted !== p.label;

type Extent = { min: number; max: number };
type Drawn = { readonly explained: readonly [number, number]; readonly points: readonly FeatureMapPoint[] };

/** the plot's frame: the images' own extent with a margin, so nothing placed on the map later rescales it */
export function featureMapExtents(map: Pick<Drawn, 'points'>): { x: Extent; y: Extent } {
  const extent = (of: (p: FeatureMapPoint) => number) => {
    const v = map.points.map(of);
    const [lo, hi] = v.length ? [Math.min(...v), Math.max(...v)] : [-1, 1];
    const pad = (hi - lo || 1) * 0.04;
    return { min: lo - pad, max: hi + pad };
  };
  return { x: extent((p) => p.x), y: extent((p) => p.y) };
}

/**
 * Where the live camera's pin goes, in the map's units: the frame's place, or, for a frame unlike
 * every image, the nearest place on the frame's edge, where the pin waits. The page draws the pin
 * over the chart rather than in it, so a moving camera never redraws the chart's points.
 */
export function pinPlace(map: Pick<Drawn, 'points'>, live: { x: number; y: number }): [number, number] {
  const { x, y } = featureMapExtents(map);
  const within = (v: number, e: Extent) => Math.min(e.max, Math.max(e.min, v));
  return [within(live.x, x), within(live.y, y)];
}

export function featureMapOption(
  map: Drawn,
  classes: readonly string[],
  o: {
    selected?: number | null;
    /** the chart's width where it is fixed (on paper): the legend wraps onto the lines it needs, as a page cannot scroll it */
    width?: number;
  } = {},
  m: ChartMedium = appMedium,
): EChartsOption {
  const axisText = { color: chartColors.text, fontSize: m.fontSize };
  const { x: xs, y: ys } = featureMapExtents(map);
  const axis = (name: string, e: Extent) => ({
    type: 'value' as const,
    name,
    ...e,
    nameLocation: 'middle' as const,
    nameGap: 26,
    nameTextStyle: axisText,
    axisLabel: { show: false },
    axisTick: { show: false },
    // the origin means nothing here (the features' mean): no axis line through it
    axisLine: { show: false },
    splitLine: { lineStyle: { color: chartColors.grid } },
    scale: true,
  });
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return {
    animation: false,
    textStyle: { fontFamily: m.fontFamily },
    color: [...chartColors.series],
    legend: {
      data: [...classes],
      top: 4,
      left: 8,
      right: 8,
      type: o.width ? 'plain' : 'scroll',
      itemWidth: legendItem.mark,
      itemHeight: 8,
      itemGap: legendItem.between,
      textStyle: axisText,
    },
    tooltip: {
      trigger: 'item',
      formatter: (p: unknown) => {
        const i = (p as { value?: number[] }).value?.[2];
        const point = i === undefined ? undefined : map.points[i];
        return point ? describePoint(point, classes) : '';
      },
    },
    grid: { left: 34, right: 14, top: 36 + (featureMapLegendRows(classes, o.width, m) - 1) * legendItem.line, bottom: 34 },
    xAxis: axis(`first direction: ${pct(map.explained[0])} of the variation`, xs),
    yAxis: axis(`second: ${pct(map.explained[1])}`, ys),
    // two series a class under one name (its legend entry hides both): its test diamonds drawn over its cloud of dots
    series: [
      ...classes.flatMap((name, c) => {
        const color = chartColors.series[c % chartColors.series.length];
        const of = (test: boolean) =>
          map.points.flatMap((p, i) => {
            if (p.label !== c || (p.split === 'test') !== test) return [];
            const selected = o.selected === i;
            return [
              {
                value: [p.x, p.y, i],
                ...(selected ? { symbolSize: 14 } : {}),
                itemStyle: {
                  ...(isMisread(p) ? { borderColor: chartColors.confused[3], borderWidth: 2.5 } : {}),
                  ...(selected ? { borderColor: chartColors.ink, borderWidth: 2.5, opacity: 1 } : {}),
                },
              },
            ];
          });
        const series = (test: boolean) => ({
          name,
          type: 'scatter' as const,
          color,
          data: of(test),
          symbol: test ? 'diamond' : 'circle',
          symbolSize: test ? 11 : 8,
          itemStyle: { opacity: test ? 0.95 : 0.6 },
          z: test ? 3 : 2,
          emphasis: { scale: 1.6 },
        });
        return [series(false), series(true)];
      }),
    ],
  };
}
