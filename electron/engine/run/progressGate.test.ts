import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../shared/events';
import { progressGate } from './progressGate';

const ev = (phase: ProgressEvent['phase'], done: number, total = 100): ProgressEvent => ({
  type: 'progress',
  phase,
  done,
  total,
  unit: 'samples',
  perSecond: null,
  etaSeconds: null,
});

describe('progressGate', () => {
  it("lets through a phase's first event, one an interval after, its last, and a new phase's first", () => {
    let t = 0;
    const passes = progressGate(100, () => t);
    const seen: string[] = [];
    const offer = (e: ProgressEvent) => passes(e) && seen.push(`${e.phase}:${e.done}@${t}`);
    for (let done = 1; done <= 100; done++) {
      t = done * 3; // a step every 3 ms
      offer(ev('train', done));
    }
    t = 301;
    offer(ev('evaluate', 1, 2));
    offer(ev('evaluate', 2, 2));
    expect(seen).toEqual(['train:1@3', 'train:35@105', 'train:69@207', 'train:100@300', 'evaluate:1@301', 'evaluate:2@301']);
  });

  it("lets through an epoch's first batch at once, so the bar's epoch keeps step with the epochs", () => {
    let t = 0;
    const passes = progressGate(100, () => t);
    const seen: string[] = [];
    // 10 batches an epoch, a batch every 2 ms: an epoch is 20 ms, a fifth of the interval
    for (let done = 1; done <= 60; done++) {
      t = done * 2;
      const e = { ...ev('train', done, 60), detail: `epoch ${Math.ceil(done / 10)}/6` };
      if (passes(e)) seen.push(`${e.done}`);
    }
    expect(seen).toEqual(['1', '11', '21', '31', '41', '51', '60']);
  });
});
