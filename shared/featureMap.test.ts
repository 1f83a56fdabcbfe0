import { describe, expect, it } from 'vitest';
import type { DatasetImage, SplitName } from './dataset';
import { featureMapSample } from './featureMap';

const image = (label: number, i: number, split: SplitName): DatasetImage => ({
  relPath: `${label}/${i}.png`,
  label,
  contentHash: `${label}-${i}`,
  bytes: 1,
  width: 1,
  height: 1,
  format: 'png',
  split,
});
const splits: SplitName[] = ['train', 'train', 'val', 'test'];

describe('the images a feature map draws', () => {
  it('shares the points evenly, and a small class leaves its unused share to the others', () => {
    const images = [...Array.from({ length: 100 }, (_, i) => image(0, i, splits[i % 4]!)), ...Array.from({ length: 3 }, (_, i) => image(1, i, 'train'))];
    const chosen = featureMapSample(images, 2, 10);
    expect(chosen.filter((i) => i.label === 1)).toHaveLength(3);
    expect(chosen.filter((i) => i.label === 0)).toHaveLength(7);
  });

  it('takes test images first, then validation, then training, each in the dataset order', () => {
    const images = Array.from({ length: 8 }, (_, i) => image(0, i, splits[i % 4]!));
    expect(featureMapSample(images, 1, 5).map((i) => `${i.split}:${i.relPath}`)).toEqual([
      'test:0/3.png',
      'test:0/7.png',
      'val:0/2.png',
      'val:0/6.png',
      'train:0/0.png',
    ]);
  });

  it('draws every image when there are fewer than the limit, and none of a class with none', () => {
    const images = [image(0, 0, 'test'), image(2, 0, 'train')];
    expect(featureMapSample(images, 3, 1000)).toHaveLength(2);
    expect(featureMapSample([], 3, 1000)).toEqual([]);
  });
});
