import { describe, expect, it } from 'vitest';
import { durationColumn, formatDuration } from './format';

describe('formatDuration', () => {
  it('gives a short epoch in milliseconds, not as "0.0 s"', () => {
    expect(formatDuration(0.028)).toBe('28 ms');
    expect(formatDuration(0.0004)).toBe('1 ms');
    expect(formatDuration(0)).toBe('0.0 s');
  });
  it('gives seconds, minutes and hours as before', () => {
    expect(formatDuration(0.1)).toBe('0.1 s');
    expect(formatDuration(9.94)).toBe('9.9 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(125)).toBe('2 min 05 s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3 h 07 min');
  });
  it('says nothing it does not know', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(Number.NaN)).toBe('–');
  });
});

describe('a column of durations', () => {
  it('speaks one unit: all in ms where every value is under a second', () => {
    const f = durationColumn([0.1, 0.051, null]);
    expect([0.1, 0.051, 0.0004].map(f)).toEqual(['100 ms', '51 ms', '1 ms']);
    expect(f(null)).toBe('–');
  });

  it('in seconds where any value is longer, short ones in hundredths rather than ms', () => {
    const f = durationColumn([0.051, 2.5, 75]);
    expect([0.051, 0.1, 2.5, 75].map(f)).toEqual(['0.05 s', '0.1 s', '2.5 s', '1 min 15 s']);
  });
});
