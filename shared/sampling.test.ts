import { describe, expect, it } from 'vitest';
import { perClassLadder, samplePerClass } from './sampling';

const images = ['cat', 'dog', 'fox'].flatMap((c, label) =>
  Array.from({ length: 30 }, (_, i) => ({ relPath: `${c}/${String(i).padStart(3, '0')}.jpg`, label })),
);
const paths = (xs: { relPath: string }[]) => xs.map((x) => x.relPath);

describe('images-per-class sampler', () => {
  it('takes k of each class', () => {
    const s = samplePerClass(images, 5, 1);
    expect(s).toHaveLength(15);
    for (const label of [0, 1, 2]) expect(s.filter((x) => x.label === label)).toHaveLength(5);
  });

  it('is stable: the same seed gives the same subset whatever the input order', () => {
    const shuffled = [...images].reverse();
    expect(new Set(paths(samplePerClass(shuffled, 7, 3)))).toEqual(new Set(paths(samplePerClass(images, 7, 3))));
  });

  it('is nested: the 5-image subset contains the 2-image subset, and the 10 the 5', () => {
    const two = new Set(paths(samplePerClass(images, 2, 9)));
    const five = new Set(paths(samplePerClass(images, 5, 9)));
    const ten = new Set(paths(samplePerClass(images, 10, 9)));
    for (const p of two) expect(five.has(p)).toBe(true);
    for (const p of five) expect(ten.has(p)).toBe(true);
  });

  it('is a draw, not the first files by name; another seed draws others', () => {
    const a = paths(samplePerClass(images, 5, 1)).filter((p) => p.startsWith('cat/'));
    expect(a).not.toEqual(['cat/000.jpg', 'cat/001.jpg', 'cat/002.jpg', 'cat/003.jpg', 'cat/004.jpg']);
    expect(new Set(paths(samplePerClass(images, 5, 2)))).not.toEqual(new Set(paths(samplePerClass(images, 5, 1))));
  });

  it('gives a small class all it has, and refuses k below 1', () => {
    const uneven = [...images, { relPath: 'owl/1.jpg', label: 3 }];
    expect(samplePerClass(uneven, 5, 1).filter((x) => x.label === 3)).toHaveLength(1);
    expect(() => samplePerClass(images, 0, 1)).toThrow(/at least 1/);
  });

  it('ladders 1, 2, 5, 10, 20, 50… up to the largest class', () => {
    expect(perClassLadder(30)).toEqual([1, 2, 5, 10, 20, 30]);
    expect(perClassLadder(100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(perClassLadder(1)).toEqual([1]);
  });
});
