import { describe, expect, it } from 'vitest';
import { chartColors, trainValSeries } from '../../../shared/charts';
import { confusionSvg, lineChartSvg } from './charts';

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(',')})`;

describe("the report's charts are the app's", () => {
  it("gives the report's confusion matrix the app's colours: confusions in red, not one blue scale", () => {
    const svg = confusionSvg(['cat', 'dog'], [[5, 1], [0, 4]]);
    // the largest count of each kind takes the end of its scale
    expect(svg).toContain(rgb(chartColors.confused.at(-1)!));
    expect(svg).toContain(rgb(chartColors.right.at(-1)!));
  });

  it("gives the report's curves the app's train and validation colours", () => {
    const svg = lineChartSvg({ series: trainValSeries([[1, 0.5], [2, 0.6]], [[1, 0.4], [2, 0.5]]), xName: 'epoch', percent: true });
    expect(svg.toLowerCase()).toContain(chartColors.train);
    expect(svg.toLowerCase()).toContain(chartColors.val);
    expect(svg).toContain('stroke-dasharray');
  });
});
