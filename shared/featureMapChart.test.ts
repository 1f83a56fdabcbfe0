import { describe, expect, it } from 'vitest';
import { chartColors } from './charts';
import type { FeatureMapPoint } from './featureMap';
import { describePoint, featureMapOption, liveName } from './featureMapChart';

const points: FeatureMapPoint[] = [
  { path: 'cat/1.jpg', label: 0, split: 'train', x: -1, y: 0 },
  { path: 'cat/2.jpg', label: 0, split: 'test', x: -1.2, y: 0.1, predicted: 0 },
  { path: 'dog/3.jpg', label: 1, split: 'test', x: -0.9, y: 0.2, predicted: 0 },
  { path: 'dog/4.jpg', label: 1, split: 'val', x: 1, y: 0 },
];
const map = { explained: [0.314, 0.12] as [number, number], points };
type Item = { value: number[]; itemStyle: { borderColor?: string } };
type Series = { name: string; symbol: string; color: string; data: Item[] };

describe('the feature map as a chart', () => {
  it('gives each class its colour and one legend name: dots for training and validation, diamonds for test images', () => {
    const series = featureMapOption(map, ['cat', 'dog']).series as Series[];
    expect(series.map((s) => `${s.name} ${s.symbol}: ${s.data.map((d) => d.value[2]).join(',')}`)).toEqual([
      'cat circle: 0',
      'cat diamond: 1',
      'dog circle: 3',
      'dog diamond: 2',
    ]);
    expect(series[0]!.color).toBe(series[1]!.color);
    expect(series[2]!.color).not.toBe(series[0]!.color);
  });

  it('rings a test image the run got wrong in red, outlines the one clicked, and names the axes by their share', () => {
    const option = featureMapOption(map, ['cat', 'dog'], { selected: 0 });
    const series = option.series as Series[];
    expect(series[3]!.data[0]!.itemStyle.borderColor).toBe(chartColors.confused[3]);
    expect(series[1]!.data[0]!.itemStyle.borderColor).toBeUndefined();
    expect(series[0]!.data[0]!.itemStyle.borderColor).toBe(chartColors.ink);
    expect((option.xAxis as { name: string }).name).toBe('first direction: 31% of the variation');
    expect((option.yAxis as { name: string }).name).toBe('second: 12%');
  });

  it("pins the live camera's frame over the classes, out of the legend, only while there is one", () => {
    const without = featureMapOption(map, ['cat', 'dog']);
    expect((without.series as Series[]).some((s) => s.name === liveName)).toBe(false);
    const withPin = featureMapOption(map, ['cat', 'dog'], { live: { x: 0.4, y: 0.1 } });
    const pin = (withPin.series as (Series & { z: number })[]).at(-1)!;
    expect(pin).toMatchObject({ name: liveName, symbol: 'pin', color: chartColors.ink, data: [[0.4, 0.1, -1]] });
    expect(pin.z).toBeGreaterThan(3);
    // a legend entry hides a class; the pin is none
    expect((withPin.legend as { data: string[] }).data).toEqual(['cat', 'dog']);
    expect((withPin.series as Series[]).slice(0, -1)).toEqual(without.series);
    // the frame is the images' extent, pin or none: a frame far off waits at its edge, and nothing rescales
    const far = featureMapOption(map, ['cat', 'dog'], { live: { x: 50, y: 0.05 } });
    expect(far.xAxis).toEqual(without.xAxis);
    const { min, max } = without.xAxis as { min: number; max: number };
    expect(min).toBeLessThan(-1.2);
    expect(max).toBeGreaterThan(1);
    expect((far.series as Series[]).at(-1)!.data).toEqual([[max, 0.05, -1]]);
  });

  it('says what a point is in words', () => {
    expect(describePoint(points[2]!, ['cat', 'dog'])).toBe('dog · test image 3.jpg; the run took it for cat');
    expect(describePoint(points[1]!, ['cat', 'dog'])).toBe('cat · test image 2.jpg; the run got it right');
    expect(describePoint(points[3]!, ['cat', 'dog'])).toBe('dog · validation image 4.jpg');
  });
});
