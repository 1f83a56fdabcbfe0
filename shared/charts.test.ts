import { describe, expect, it } from 'vitest';
import { appMedium, chartColors, confusionOption, curvesOption, reportMedium, trainValSeries } from './charts';

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
    const o = confusionOption(['cat', 'dog'], [[5, 1], [0, 4]], { selected: { row: 0, col: 1 } });
    const [right, confused] = o.series as { data: { value: number[]; itemStyle?: object }[] }[];
    expect(right!.data.map((d) => d.value)).toEqual([[0, 0, 5], [1, 1, 4]]);
    expect(confused!.data.map((d) => d.value)).toEqual([[1, 0, 1], [0, 1, 0]]);
    expect(confused!.data[0]!.itemStyle).toBeDefined();
  });
});
