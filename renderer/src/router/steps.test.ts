import { describe, expect, it } from 'vitest';
import { overviewTitle, steps } from './steps';

describe('the steps', () => {
  it('the overview heading counts the steps it lists ("The lab in six steps" listed seven)', () => {
    expect(steps).toHaveLength(7);
    expect(overviewTitle).toBe('The lab in seven steps');
    expect(steps.map((s) => s.n)).toEqual(steps.map((_, i) => i + 1));
  });
});
