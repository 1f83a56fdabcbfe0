import { describe, expect, it } from 'vitest';
import { formatDuration } from './format';

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
