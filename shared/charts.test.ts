import { describe, expect, it } from 'vitest';
import { appMedium, chartColors, confusionOption, curvesOption, reportMedium, smallMultiplesOption, trainValSeries } from './charts';

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
