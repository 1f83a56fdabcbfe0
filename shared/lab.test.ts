import { describe, expect, it } from 'vitest';
import { answeredCount, findLab, labQuestions } from './lab';

describe("a lab's questions", () => {
  const lab = findLab('transfer-learning')!;

  it('are every task’s, a task asking one or more', () => {
    const questions = labQuestions(lab);
    expect(questions.length).toBeGreaterThan(lab.tasks.length);
    expect(new Set(questions.map((q) => q.id)).size).toBe(questions.length);
    expect(questions.map((q) => q.id)).toContain('results-unknown');
  });

  it('count as answered only where the answer is written, to a question of the lab', () => {
    const [first, second] = labQuestions(lab);
    expect(answeredCount(lab, {})).toBe(0);
    expect(answeredCount(lab, { [first!.id]: 'Yes.', [second!.id]: '   ', 'a-question-of-another-lab': 'Stray.' })).toBe(1);
  });
});
