import { describe, expect, it } from 'vitest';
import { chartColors } from './charts';
import type { FeatureMapPoint } from './featureMap';
import { describePoint, featureMapExtents, featureMapOption, pinPlace } from './featureMapChart';

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

  it("places the live camera's pin inside the images' frame, which nothing placed later rescales", () => {
    const option = featureMapOption(map, ['cat', 'dog']);
    const { min, max } = option.xAxis as { min: number; max: number };
    // the frame is the images' extent with a margin
    expect(featureMapExtents(map).x).toEqual({ min, max });
    expect(min).toBeLessThan(-1.2);
    expect(max).toBeGreaterThan(1);
    // a frame among the images lands where it is; one unlike every image waits at the frame's edge
    expect(pinPlace(map, { x: 0.4, y: 0.1 })).toEqual([0.4, 0.1]);
    const { y } = featureMapExtents(map);
    expect(pinPlace(map, { x: 50, y: 0.05 })).toEqual([max, 0.05]);
    expect(pinPlace(map, { x: -50, y: -50 })).toEqual([min, y.min]);
    // the chart holds the classes alone: the pin is drawn over it, not in it
    expect((option.series as Series[]).map((s) => s.name)).toEqual(['cat', 'cat', 'dog', 'dog']);
  });

  it('says what a point is in words', () => {
    expect(describePoint(points[2]!, ['cat', 'dog'])).toBe('dog · test image 3.jpg; the run took it for cat');
    expect(describePoint(points[1]!, ['cat', 'dog'])).toBe('cat · test image 2.jpg; the run got it right');
    expect(describePoint(points[3]!, ['cat', 'dog'])).toBe('dog · validation image 4.jpg');
  });
});
