import { describe, expect, it } from 'vitest';
import { startedLab, withLabAnswer, withLabRun } from './projectLab';

describe("the lab's progress", () => {
  it('begins a lab afresh, and keeps the progress in the lab already begun', () => {
    const begun = startedLab(null, 'transfer-learning');
    expect(begun).toEqual({ labId: 'transfer-learning', answers: {}, runs: {}, task: null });
    const answered = withLabAnswer(begun, 'q1', 'the head');
    expect(startedLab(answered, 'transfer-learning')).toBe(answered);
    expect(startedLab(answered, 'another-lab').answers).toEqual({});
  });

  it('changes by new objects, so the project sees each change', () => {
    const lab = startedLab(null, 'l');
    const answered = withLabAnswer(lab, 'q1', 'a');
    expect(answered).not.toBe(lab);
    expect(lab.answers).toEqual({});
    expect(withLabAnswer(answered, 'q1', 'b').answers).toEqual({ q1: 'b' });
  });

  it('counts a run for a task once', () => {
    const lab = withLabRun(withLabRun(startedLab(null, 'l'), 't1', 'r1'), 't1', 'r2');
    expect(lab.runs).toEqual({ t1: ['r1', 'r2'] });
    expect(withLabRun(lab, 't1', 'r1')).toBe(lab);
    expect(withLabRun(lab, 't2', 'r1').runs).toEqual({ t1: ['r1', 'r2'], t2: ['r1'] });
  });
});
