import { describe, expect, it } from 'vitest';
import { benchSteps, figureOf } from './steps';

describe("the bench's steps", () => {
  it('log each figure as it is measured, so a bench cut short still leaves them', async () => {
    const lines: string[] = [];
    const steps = benchSteps({ maxWait: 0, attempts: 1, repeats: 1, workDir: '/nonexistent', log: (s) => lines.push(s) });
    expect(await steps.step('ours: an extraction', () => Promise.resolve({ imagesPerSecond: 2345.67 }))).toEqual({ imagesPerSecond: 2345.67 });
    expect(await steps.step('ours: a fine-tuning run', () => Promise.resolve({ epochs: [{ seconds: 2.5 }, { seconds: 0.1234 }] }))).not.toBeNull();
    // before, the log said only "done in 0.0 s": a run killed at its time limit kept no figure
    expect(lines.find((l) => l.includes('done in') && l.includes('images/s'))).toMatch(/done in [\d.]+ s: 2345\.7 images\/s/);
    expect(lines.find((l) => l.includes('last epoch'))).toMatch(/done in [\d.]+ s: last epoch 0\.123 s/);
  });

  it('say nothing of a result that has no figure', () => {
    expect(figureOf(null)).toBe('');
    expect(figureOf({ seconds: 3 })).toBe('');
    expect(figureOf({ epochs: [] })).toBe('');
  });
});
