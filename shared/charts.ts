import type { EChartsOption } from 'echarts';

/**
 * The charts' options, one place for the app (vue-echarts, in the page) and the lab report
 * (ECharts rendered to SVG in the engine): the same colours, axes and confusion matrix, so a
 * chart in the report looks like the one the student saw. Plain option objects, no renderer.
 */

/** a chart's colours: one set for white paper and the light app, one for the dark app */
export interface ChartPalette {
  train: string;
  val: string;
  text: string;
  grid: string;
  ink: string;
  /** what the chart is drawn on: a heatmap's empty cell and the lines between cells */
  paper: string;
  /** the confusion matrix's alternate row band */
  band: string;
  /** other runs' curves, drawn faintly behind the one a small multiple is about */
  context: string;
  /** one colour a run when runs share a chart: distinct, and readable on the paper */
  series: readonly string[];
  /** the confusion matrix: blue for what it gets right, orange to red for confusions */
  right: readonly string[];
  confused: readonly string[];
}

export const chartColors = {
  train: '#2f6fde',
  val: '#d9822b',
  text: '#5d6875',
  grid: '#e6e9ee',
  ink: '#1d232b',
  paper: '#ffffff',
  band: '#fafbfc',
  context: '#c9ced6',
  series: ['#2f6fde', '#d9822b', '#1a9c5b', '#c0342b', '#7a56c2', '#19a3a3', '#b8860b', '#d6337f', '#5d6875', '#8c564b'],
  right: ['#f4f7fd', '#8fb1ee', '#2f6fde'],
  confused: ['#ffffff', '#fbd9b8', '#e8863a', '#c0342b'],
} as const satisfies ChartPalette;

/**
 * The same chart on the dark app (styles.css's dark palette): each colour in the place of its
 * light one, so the options are written once, in the light colours, and `onDarkScreen` swaps
 * them. Where two light entries share a colour (the train curve and the first run), their dark
 * ones agree too (a test holds it). The report is paper: always light.
 */
export const darkChartColors: ChartPalette = {
  train: '#5b93f0',
  val: '#e59a4f',
  text: '#a3adb9',
  grid: '#2e3540',
  ink: '#e3e7ec',
  paper: '#1d232b',
  band: '#212831',
  context: '#4a5462',
  series: ['#5b93f0', '#e59a4f', '#3fbf7f', '#f07167', '#a587e0', '#3cc4c4', '#d9a93a', '#ec6aa5', '#a3adb9', '#c0927b'],
  right: ['#222c3a', '#2f4f86', '#5b93f0'],
  confused: ['#1d232b', '#5a3a22', '#c8702e', '#f07167'],
};

/** light colour → its dark counterpart, entry by entry */
function paletteSwap(from: ChartPalette, to: ChartPalette): Map<string, string> {
  const swap = new Map<string, string>();
  for (const key of Object.keys(from) as (keyof ChartPalette)[]) {
    const a = from[key];
    const b = to[key];
    const pairs: [string, string][] = typeof a === 'string' ? [[a, b as string]] : a.map((c, i) => [c, (b as readonly string[])[i]!]);
    for (const [light, dark] of pairs) swap.set(light.toLowerCase(), dark);
  }
  return swap;
}

const toDark = paletteSwap(chartColors, darkChartColors);

/**
 * An option for the dark app: a copy in which every colour of the light palette is its dark
 * one (functions, numbers and other strings as they were). ECharts' own defaults (a legend's
 * text, a tooltip) come from the theme the app registers (`darkChartTheme`).
 */
export function onDarkScreen<T>(option: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return toDark.get(v.toLowerCase()) ?? v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(option) as T;
}

/** ECharts' defaults for what the options leave unsaid, on the dark app */
export const darkChartTheme = {
  darkMode: true,
  backgroundColor: 'transparent',
  textStyle: { color: darkChartColors.text },
  legend: { textStyle: { color: darkChartColors.ink }, pageTextStyle: { color: darkChartColors.text } },
  tooltip: { backgroundColor: '#232a33', borderColor: '#4a5462', textStyle: { color: darkChartColors.ink } },
  categoryAxis: { axisLine: { lineStyle: { color: darkChartColors.context } }, axisLabel: { color: darkChartColors.text } },
  valueAxis: { axisLine: { lineStyle: { color: darkChartColors.context } }, axisLabel: { color: darkChartColors.text } },
  logAxis: { axisLine: { lineStyle: { color: darkChartColors.context } }, axisLabel: { color: darkChartColors.text } },
};

/** where a chart is drawn: the page's own font, or one every PDF renderer has */
export interface ChartMedium {
  fontFamily: string;
  fontSize: number;
}
export const appMedium: ChartMedium = { fontFamily: 'system-ui, sans-serif', fontSize: 11 };
export const reportMedium: ChartMedium = { fontFamily: 'DejaVu Sans, Arial, sans-serif', fontSize: 10 };

const axisText = (m: ChartMedium) => ({ color: chartColors.text, fontSize: m.fontSize });

/** the x axis of a curve: epochs (whole numbers from 1), or any named value */
export function curveXAxis(o: { name?: string; log?: boolean; max?: number | 'dataMax' }, m: ChartMedium = appMedium) {
  return {
    type: o.log ? ('log' as const) : ('value' as const),
    name: o.name ?? 'epoch',
    nameLocation: 'middle' as const,
    nameGap: 22,
    nameTextStyle: axisText(m),
    min: o.log ? undefined : 1,
    ...(o.max !== undefined ? { max: o.max } : {}),
    minInterval: 1,
    axisLabel: axisText(m),
    splitLine: { show: false },
  };
}

/** the y axis of a curve: 0–100 % for accuracies; a loss scaled to the data, or a small drop looks flat against zero */
export function curveYAxis(percent: boolean, m: ChartMedium = appMedium) {
  return {
    type: 'value' as const,
    ...(percent ? { min: 0, max: 1 } : { scale: true }),
    axisLabel: { ...axisText(m), formatter: percent ? (v: number) => `${Math.round(v * 100)}%` : undefined },
    splitLine: { lineStyle: { color: chartColors.grid } },
  };
}

/** a tooltip's number: a percentage with one decimal, or a loss with four */
export const curveValue = (percent: boolean) => (v: unknown) => (typeof v === 'number' ? (percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(4)) : String(v));

export interface CurveSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  /** a fixed colour (train, validation); otherwise the next of chartColors.series */
  color?: string;
  dashed?: boolean;
}

/** a legend entry's mark and the gaps around it, in pixels */
export const legendItem = { mark: 14, gap: 5, between: 10, line: 20 };

/**
 * How many lines a legend of these names takes across `width` pixels. The names' widths are
 * estimated (0.6 of the font size a character, wider than most sans-serif text), so the room
 * kept is enough; what ECharts lays out is never cut.
 */
export function legendRows(names: readonly string[], width: number, m: ChartMedium): number {
  const room = Math.max(1, width - 16);
  let rows = 1;
  let x = 0;
  for (const name of names) {
    const w = legendItem.mark + legendItem.gap + Math.ceil(name.length * m.fontSize * 0.6);
    if (x > 0 && x + w > room) {
      rows++;
      x = 0;
    }
    x += w + legendItem.between;
  }
  return rows;
}

/**
 * Curves on one chart: a run's training against validation, or several runs, one colour each
 * (the lab's comparisons are read off where the lines part).
 */
export function curvesOption(
  o: {
    series: readonly CurveSeries[];
    percent?: boolean;
    xName?: string;
    logX?: boolean;
    xMax?: number | 'dataMax';
    dotsUpTo?: number;
    /** 'right' beside a title drawn over the chart's corner; 'under-title' on a line of its own below it (many or long names); 'top' with no title */
    legend?: 'right' | 'under-title' | 'top';
    /**
     * the chart's width where it is fixed (a picture in the report): the legend then wraps onto
     * as many lines as it needs (legendRows), since a page cannot scroll it; on screen it scrolls
     */
    width?: number;
  },
  m: ChartMedium = appMedium,
): EChartsOption {
  const dotsUpTo = o.dotsUpTo ?? 40;
  const legendTop = o.legend === 'under-title' ? 30 : 4;
  const rows = o.width
    ? legendRows(
        o.series.map((s) => s.name),
        o.width,
        m,
      )
    : 1;
  return {
    animation: false,
    textStyle: { fontFamily: m.fontFamily },
    color: [...chartColors.series],
    grid: { left: 50, right: 14, top: legendTop + 32 + (rows - 1) * legendItem.line, bottom: 34 },
    legend: {
      top: legendTop,
      ...(o.legend === 'right' ? { right: 8 } : { left: 8, right: 8 }),
      type: o.width ? 'plain' : 'scroll',
      itemWidth: legendItem.mark,
      itemHeight: 8,
      itemGap: legendItem.between,
      textStyle: axisText(m),
    },
    tooltip: { trigger: o.logX ? 'item' : 'axis', valueFormatter: curveValue(!!o.percent) },
    xAxis: curveXAxis({ name: o.xName, log: o.logX, max: o.xMax }, m),
    yAxis: curveYAxis(!!o.percent, m),
    series: o.series.map((s) => ({
      name: s.name,
      type: 'line' as const,
      data: s.points.map((p) => [...p]),
      ...(s.color ? { color: s.color } : {}),
      showSymbol: s.points.length <= dotsUpTo,
      symbolSize: 5,
      sampling: 'lttb' as const,
      lineStyle: { width: 2, ...(s.dashed ? { type: 'dashed' as const } : {}) },
    })),
  };
}

/** past this many runs one chart of curves is a tangle: each run gets a small chart of its own */
export const smallMultiplesAbove = 6;

/**
 * Small multiples: one small chart a run, on the same axes (the same epochs, the same loss or
 * accuracy range) so the cells compare at a glance, each run's line in its colour over the
 * other runs' in faint grey for context. The lab's 23-run sweep reads as 23 shapes, not a knot.
 */
export function smallMultiplesOption(
  o: { series: readonly CurveSeries[]; percent?: boolean; logX?: boolean; columns?: number; cellHeight?: number; dotsUpTo?: number; context?: boolean },
  m: ChartMedium = appMedium,
): { option: EChartsOption; height: number } {
  const n = o.series.length;
  const columns = Math.max(1, Math.min(o.columns ?? 4, n));
  const cellHeight = o.cellHeight ?? 130;
  const rows = Math.ceil(n / columns);
  const width = 100 / columns;
  const titleHeight = m.fontSize + 8;
  const all = o.series.flatMap((s) => s.points);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  const xs = all.map((p) => p[0]).filter(Number.isFinite);
  // one y range for every cell (a loss's own span, an accuracy's 0–100 %), one x range too
  const yRange = o.percent ? { min: 0, max: 1 } : ys.length ? { min: Math.min(...ys), max: Math.max(...ys) } : {};
  const xMax = xs.length ? Math.max(...xs) : undefined;
  const context = (o.context ?? n <= 30) && n > 1;
  const dotsUpTo = o.dotsUpTo ?? 12;
  const small = { color: chartColors.text, fontSize: m.fontSize - 1 };
  const cells = o.series.map((s, i) => ({
    s,
    i,
    row: Math.floor(i / columns),
    col: i % columns,
    color: s.color ?? chartColors.series[i % chartColors.series.length]!,
  }));
  const option: EChartsOption = {
    animation: false,
    textStyle: { fontFamily: m.fontFamily },
    tooltip: { trigger: 'item', valueFormatter: curveValue(!!o.percent) },
    title: cells.map((c) => ({
      text: c.s.name,
      left: `${c.col * width + 1}%`,
      top: c.row * cellHeight,
      textStyle: { fontSize: m.fontSize, fontWeight: 600 as const, color: c.color, width: Math.max(60, 1000 / columns), overflow: 'truncate' as const },
    })),
    grid: cells.map((c) => ({
      left: `${c.col * width + 5}%`,
      width: `${width - 7}%`,
      top: c.row * cellHeight + titleHeight + 6,
      height: cellHeight - titleHeight - 30,
    })),
    xAxis: cells.map((c) => ({ ...curveXAxis({ log: o.logX, ...(xMax !== undefined ? { max: xMax } : {}) }, m), gridIndex: c.i, name: '', axisLabel: small })),
    yAxis: cells.map((c) => ({
      ...curveYAxis(!!o.percent, m),
      gridIndex: c.i,
      ...yRange,
      scale: false,
      splitNumber: 2,
      axisLabel: { ...small, formatter: o.percent ? (v: number) => `${Math.round(v * 100)}%` : (v: number) => String(Number(v.toPrecision(2))) },
    })),
    series: cells.flatMap((c) => [
      ...(context
        ? o.series
            .filter((_, j) => j !== c.i)
            .map((other) => ({
              name: other.name,
              type: 'line' as const,
              xAxisIndex: c.i,
              yAxisIndex: c.i,
              data: other.points.map((p) => [...p]),
              color: chartColors.context,
              showSymbol: false,
              silent: true,
              lineStyle: { width: 1, opacity: 0.6 },
              z: 1,
            }))
        : []),
      {
        name: c.s.name,
        type: 'line' as const,
        xAxisIndex: c.i,
        yAxisIndex: c.i,
        data: c.s.points.map((p) => [...p]),
        color: c.color,
        showSymbol: c.s.points.length <= dotsUpTo,
        symbolSize: 4,
        lineStyle: { width: 2, ...(c.s.dashed ? { type: 'dashed' as const } : {}) },
        z: 3,
      },
    ]),
  };
  return { option, height: rows * cellHeight + 4 };
}

/** a run's training and validation curves of one metric, in the colours every chart uses for them */
export function trainValSeries(train: readonly (readonly [number, number])[], val: readonly (readonly [number, number])[]): CurveSeries[] {
  return [
    { name: 'train', points: train, color: chartColors.train },
    { name: 'validation', points: val, color: chartColors.val, dashed: true },
  ];
}

/**
 * The confusion matrix as a heatmap: rows are the true class, columns what the model said; the
 * diagonal in blue, confusions orange to red, empty cells blank. `selected` outlines one cell.
 */
export function confusionOption(
  classes: readonly string[],
  matrix: readonly (readonly number[])[],
  o: { selected?: { row: number; col: number } | null; byTrueClass?: boolean } = {},
  m: ChartMedium = appMedium,
): EChartsOption {
  const n = classes.length;
  // a cell's value is [column, row, what it shows and is coloured by, its count]
  type Cell = { value: [number, number, number, number]; itemStyle?: { borderColor: string; borderWidth: number } };
  const right: Cell[] = [];
  const confused: Cell[] = [];
  // by true class, each row is the share of that class's test images: a class with few images is as visible as one with many
  let maxRight = o.byTrueClass ? 0.01 : 1;
  let maxConfused = o.byTrueClass ? 0.01 : 1;
  matrix.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, c) => {
      const v = o.byTrueClass ? (total ? count / total : 0) : count;
      const selected = o.selected?.row === r && o.selected?.col === c;
      const item: Cell = { value: [c, r, v, count], ...(selected ? { itemStyle: { borderColor: chartColors.ink, borderWidth: 2.5 } } : {}) };
      if (r === c) {
        right.push(item);
        maxRight = Math.max(maxRight, v);
      } else {
        confused.push(item);
        maxConfused = Math.max(maxConfused, v);
      }
    });
  });
  // past 40 classes a cell is too small for its number: its colour says it, its tooltip the count
  const label = {
    show: n <= 40,
    fontSize: n > 15 ? m.fontSize - 2 : m.fontSize + 1,
    formatter: (p: { value?: unknown }) => {
      const [, , v = 0, count = 0] = (p.value as number[] | undefined) ?? [];
      if (!count) return '';
      return o.byTrueClass ? `${Math.round(v * 100)}%` : String(count);
    },
    color: chartColors.ink,
  };
  const axis = {
    type: 'category' as const,
    data: [...classes],
    splitArea: { show: true, areaStyle: { color: [chartColors.band, chartColors.paper] } },
    axisLabel: { ...axisText(m), interval: 0, ...(n > 20 ? { fontSize: m.fontSize - 2 } : {}) },
    axisTick: { show: false },
    nameTextStyle: { color: chartColors.text, fontWeight: 600 },
  };
  const cell = { itemStyle: { borderColor: chartColors.paper, borderWidth: 1 }, emphasis: { itemStyle: { borderColor: chartColors.ink, borderWidth: 1 } } };
  return {
    animation: false,
    textStyle: { fontFamily: m.fontFamily },
    tooltip: {
      formatter: (p: unknown) => {
        const [c, r, share, v] = (p as { value: [number, number, number, number] }).value;
        const of = o.byTrueClass ? ` (${Math.round(share * 100)}% of ${matrix[r]!.reduce((a, b) => a + b, 0)})` : '';
        return r === c ? `${v} × ${classes[r]} correctly recognised${of}` : `${v} × ${classes[r]} taken for ${classes[c]}${of}`;
      },
    },
    // many classes' names stand upright under columns as narrow as the rows
    grid: { left: 130, right: 20, top: 30, bottom: n > 20 ? 120 : 90 },
    xAxis: {
      ...axis,
      name: 'predicted class',
      nameLocation: 'middle',
      nameGap: n > 20 ? 104 : 72,
      position: 'bottom',
      axisLabel: { ...axis.axisLabel, rotate: n > 20 ? 90 : 35 },
    },
    yAxis: { ...axis, name: 'true class', nameLocation: 'middle', nameGap: 115, inverse: true },
    visualMap: [
      { show: false, seriesIndex: 0, min: 0, max: maxRight, inRange: { color: [...chartColors.right] } },
      { show: false, seriesIndex: 1, min: 0, max: maxConfused, inRange: { color: [...chartColors.confused] } },
    ],
    series: [
      { name: 'correct', type: 'heatmap', data: right, label, ...cell },
      { name: 'confused', type: 'heatmap', data: confused, label, ...cell },
    ],
  };
}

/**
 * A class's row in pixels: 34 up to 20 classes, then less, so that the matrix stays about as
 * tall as it is wide (12 at the least, a small label's line). At 34 a row, 80 classes made a
 * matrix 2850 pixels tall with columns 10 wide.
 */
export const confusionRowPx = (classes: number) => (classes <= 20 ? 34 : Math.max(12, Math.round(680 / classes)));

/** the matrix's height on screen or paper: a row of cells per class, room for the rotated labels */
export const confusionHeight = (classes: number) => Math.max(300, classes * confusionRowPx(classes) + (classes > 20 ? 160 : 130));
