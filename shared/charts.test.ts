import { describe, expect, it } from 'vitest';
import {
  appMedium,
  chartColors,
  confusionHeight,
  confusionOption,
  confusionRowPx,
  curvesOption,
  darkChartColors,
  onDarkScreen,
  reportMedium,
  smallMultiplesOption,
  trainValSeries,
  type ChartPalette,
} from './charts';

describe('the charts, one set of options for the app and the report', () => {
  it('draws training and validation in their own colours, validation dashed, on every medium', () => {
    for (const m of [appMedium, reportMedium]) {
      const o = curvesOption({ series: trainValSeries([[1, 0.5]], [[1, 0.4]]) }, m);
      const series = o.series as { name: string; color?: string; lineStyle: { type?: string } }[];
      expect(series.map((s) => [s.name, s.color, s.lineStyle.type])).toEqual([
        ['train', chartColors.train, undefined],
        ['validation', chartColors.val, 'dashed'],
      ]);
    }
  });

  it('splits the confusion matrix into what is right (diagonal) and what is confused, empty cells blank', () => {
    const o = confusionOption(
      ['cat', 'dog'],
      [
        [5, 1],
        [0, 4],
      ],
      { selected: { row: 0, col: 1 } },
    );
    const [right, confused] = o.series as { data: { value: number[]; itemStyle?: object }[] }[];
    expect(right!.data.map((d) => d.value)).toEqual([
      [0, 0, 5, 5],
      [1, 1, 4, 4],
    ]);
    expect(confused!.data.map((d) => d.value)).toEqual([
      [1, 0, 1, 1],
      [0, 1, 0, 0],
    ]);
    expect(confused!.data[0]!.itemStyle).toBeDefined();
  });

  it('keeps the matrix of many classes about square: smaller rows, names upright, no numbers in cells too small for them', () => {
    const n = 80;
    const classes = Array.from({ length: n }, (_, i) => `class_${i}`);
    const matrix = classes.map((_, r) => classes.map((_, c) => (r === c ? 3 : 0)));
    // it was 2850 pixels tall, a row of 34 a class, under columns about 10 wide
    expect(confusionHeight(n)).toBeLessThanOrEqual(1120);
    expect(confusionRowPx(n)).toBe(12);
    const o = confusionOption(classes, matrix) as { xAxis: { axisLabel: { rotate: number } }; series: { label: { show: boolean } }[] };
    expect(o.xAxis.axisLabel.rotate).toBe(90);
    expect(o.series.map((s) => s.label.show)).toEqual([false, false]);
    // ten classes as before
    expect(confusionHeight(10)).toBe(10 * 34 + 130);
    const ten = confusionOption(
      classes.slice(0, 10),
      matrix.slice(0, 10).map((r) => r.slice(0, 10)),
    ) as typeof o;
    expect([ten.xAxis.axisLabel.rotate, ten.series[0]!.label.show]).toEqual([35, true]);
  });

  it('by true class, colours and labels each cell by its share of the row, so a small class shows as plainly as a large one', () => {
    const o = confusionOption(
      ['cat', 'dog', 'owl'],
      [
        [90, 10, 0],
        [3, 1, 0],
        [0, 0, 0],
      ],
      { byTrueClass: true },
    );
    const [right, confused] = o.series as { data: { value: number[] }[]; label: { formatter: (p: { value: number[] }) => string } }[];
    const shown = (s: typeof right) => s!.data.map((d) => s!.label.formatter({ value: d.value }));
    expect(shown(right)).toEqual(['90%', '25%', '']);
    // the dog row's 3 of 4 confusions are as dark as a 75 % share, darker than the cat row's 10 of 100
    expect(confused!.data.map((d) => [d.value[0], d.value[1], d.value[2]])).toContainEqual([0, 1, 0.75]);
    expect(shown(confused)).toEqual(['10%', '', '75%', '', '', '']);
    const visualMap = o.visualMap as { max: number }[];
    expect(visualMap.map((v) => v.max)).toEqual([0.9, 0.75]);
    const tooltip = (o.tooltip as { formatter: (p: unknown) => string }).formatter({ value: confused!.data[2]!.value });
    expect(tooltip).toBe('3 × dog taken for cat (75% of 4)');
  });

  it('draws many runs as small multiples: one small chart a run on the same axes, its line in colour over the others in grey', () => {
    const series = Array.from({ length: 23 }, (_, i) => ({
      name: `${i + 1}: lr ${i}`,
      points: [
        [1, 1 + i],
        [2, 0.5 + i],
      ] as [number, number][],
    }));
    const { option, height } = smallMultiplesOption({ series, columns: 4 });
    expect((option.grid as object[]).length).toBe(23);
    expect((option.title as { text: string }[]).map((t) => t.text)).toEqual(series.map((s) => s.name));
    // 6 rows of 4 cells
    expect(height).toBe(6 * 130 + 4);
    const lines = option.series as { name: string; xAxisIndex: number; color: string; silent?: boolean }[];
    const cell5 = lines.filter((l) => l.xAxisIndex === 5);
    expect(cell5).toHaveLength(23);
    expect(cell5.filter((l) => !l.silent).map((l) => [l.name, l.color])).toEqual([['6: lr 5', chartColors.series[5]]]);
    // every cell on one loss range, so their heights compare
    const y = option.yAxis as { min: number; max: number }[];
    expect(new Set(y.map((a) => `${a.min}-${a.max}`))).toEqual(new Set(['0.5-23']));
  });
});

describe('the dark palette', () => {
  const lightColours = (p: ChartPalette) => Object.values(p).flatMap((v: string | readonly string[]) => (typeof v === 'string' ? [v] : [...v]));

  it('gives each light colour one dark one, even where two light entries share a colour', () => {
    const seen = new Map<string, string>();
    const keys = Object.keys(chartColors) as (keyof ChartPalette)[];
    for (const k of keys) {
      const a = chartColors[k];
      const b = darkChartColors[k];
      const pairs = typeof a === 'string' ? [[a, b as string]] : a.map((c, i) => [c, (b as readonly string[])[i]]);
      expect(typeof a === 'string' ? 1 : a.length).toBe(typeof b === 'string' ? 1 : b.length);
      for (const [light, dark] of pairs) {
        const before = seen.get(light!.toLowerCase());
        if (before) expect(dark, `${k}: ${light}`).toBe(before);
        seen.set(light!.toLowerCase(), dark!);
      }
    }
  });

  it('draws the confusion matrix and the curves with no light colour left, and keeps what is not a colour', () => {
    const light = new Set(lightColours(chartColors).map((c) => c.toLowerCase()));
    const dark = new Set(lightColours(darkChartColors).map((c) => c.toLowerCase()));
    const colours = (o: unknown): string[] =>
      typeof o === 'string' ? (/^#[0-9a-f]{6}$/i.test(o) ? [o.toLowerCase()] : []) : o && typeof o === 'object' ? Object.values(o).flatMap(colours) : [];
    const matrix = confusionOption(
      ['cat', 'dog'],
      [
        [3, 1],
        [0, 4],
      ],
    );
    const curves = curvesOption({
      series: trainValSeries(
        [
          [1, 0.5],
          [2, 0.6],
        ],
        [
          [1, 0.4],
          [2, 0.5],
        ],
      ),
      percent: true,
    });
    for (const o of [matrix, curves]) {
      const before = colours(o);
      const after = colours(onDarkScreen(o));
      expect(before.some((c) => light.has(c))).toBe(true);
      expect(after.filter((c) => light.has(c) && !dark.has(c))).toEqual([]);
      expect(after.length).toBe(before.length);
    }
    const darkMatrix = onDarkScreen(matrix) as typeof matrix;
    // the formatter still formats, names stay names, the input is untouched
    const label = (darkMatrix.series as { label: { formatter: (p: unknown) => string; color: string } }[])[0]!.label;
    expect(label.formatter({ value: [0, 0, 0.75, 3] })).toBe('3');
    expect(label.color).toBe(darkChartColors.ink);
    expect((darkMatrix.xAxis as { data: string[] }).data).toEqual(['cat', 'dog']);
    expect((matrix.series as { label: { color: string } }[])[0]!.label.color).toBe(chartColors.ink);
  });
});
