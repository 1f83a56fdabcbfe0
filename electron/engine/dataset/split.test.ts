import { describe, expect, it } from 'vitest';
import type { SplitFractions, SplitName } from '../../../shared/dataset';
import { TransferLabError } from '../../../shared/errors';
import { assignSplit, splitKey, splitPercentage, validateSplit } from './split';

describe('splitPercentage', () => {
  it('matches retrain.py exactly', () => {
    // reference values from Python: (int(sha1(name).hexdigest(), 16) % 2**27) * (100.0 / (2**27 - 1))
    expect(splitPercentage('cats/cat001.jpg')).toBe(66.70924996368028);
    expect(splitPercentage('dogs/nested/dog 7.png')).toBe(92.30144018159389);
    expect(splitPercentage('bob')).toBe(77.02980843953645);
    expect(splitPercentage('café/é.jpg')).toBe(96.61547837119906);
  });

  it('does not depend on Unicode normalisation or path separators', () => {
    const nfd = 'café/é.jpg'.normalize('NFD');
    expect(nfd).not.toBe('café/é.jpg');
    expect(splitPercentage(nfd)).toBe(splitPercentage('café/é.jpg'));
    expect(splitPercentage('dogs\\nested\\dog 7.png')).toBe(splitPercentage('dogs/nested/dog 7.png'));
  });
});

describe('splitKey', () => {
  it('drops everything after _nohash_ in the file name only', () => {
    expect(splitKey('speakers/bob_nohash_3.wav')).toBe('speakers/bob');
    expect(splitKey('a_nohash_dir/x.jpg')).toBe('a_nohash_dir/x.jpg');
    expect(splitKey('plain.jpg')).toBe('plain.jpg');
  });
});

describe('assignSplit', () => {
  const f: SplitFractions = { val: 0.1, test: 0.2 };

  it('is stable: the same name always gets the same split, whatever else exists', () => {
    const names = Array.from({ length: 500 }, (_, i) => `class_${i % 3}/img_${i}.jpg`);
    const first = names.map((n) => assignSplit(n, f));
    const withMore = [...names, ...Array.from({ length: 500 }, (_, i) => `class_${i % 3}/new_${i}.jpg`)];
    const again = withMore.slice(0, 500).map((n) => assignSplit(n, f));
    expect(again).toEqual(first);
  });

  it('roughly respects the fractions on 10k names', () => {
    const counts: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
    const n = 10_000;
    for (let i = 0; i < n; i++) counts[assignSplit(`flowers/IMG_${i}.jpg`, f)]++;
    // binomial standard deviation at n=10k is under 0.5 percentage points; allow ~4σ
    expect(counts.val / n).toBeGreaterThan(0.08);
    expect(counts.val / n).toBeLessThan(0.12);
    expect(counts.test / n).toBeGreaterThan(0.18);
    expect(counts.test / n).toBeLessThan(0.22);
    expect(counts.train / n).toBeGreaterThan(0.67);
    expect(counts.train / n).toBeLessThan(0.73);
  });

  it('puts _nohash_ siblings together', () => {
    for (let s = 0; s < 50; s++) {
      const splits = new Set([0, 1, 2, 3].map((k) => assignSplit(`faces/subject${s}_nohash_${k}.jpg`, f)));
      expect(splits.size).toBe(1);
    }
  });

  it('uses val then test then train bands of the same percentage', () => {
    const p = splitPercentage('cats/cat001.jpg'); // 66.7
    expect(assignSplit('cats/cat001.jpg', { val: 0.7, test: 0 })).toBe('val');
    expect(assignSplit('cats/cat001.jpg', { val: 0.6, test: 0.1 })).toBe('test');
    expect(assignSplit('cats/cat001.jpg', { val: 0.1, test: 0.2 })).toBe('train');
    expect(p).toBeGreaterThan(60);
  });

  it('sends everything to train with zero fractions', () => {
    for (let i = 0; i < 200; i++) expect(assignSplit(`c/${i}.png`, { val: 0, test: 0 })).toBe('train');
  });

  it('validates fractions', () => {
    const bad: SplitFractions[] = [
      { val: -0.1, test: 0.2 },
      { val: 1, test: 0 },
      { val: 0.5, test: 0.5 },
      { val: 0.6, test: 0.7 },
      { val: Number.NaN, test: 0.1 },
      { val: 0.1, test: Number.POSITIVE_INFINITY },
    ];
    for (const b of bad) {
      let err: unknown;
      try {
        assignSplit('x.jpg', b);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(b)).toBeInstanceOf(TransferLabError);
      expect((err as TransferLabError).code).toBe('BAD_ARGUMENT');
      expect((err as TransferLabError).hint).toBeTruthy();
    }
    expect(validateSplit({ val: 0, test: 0.99 })).toEqual({ val: 0, test: 0.99 });
  });
});
