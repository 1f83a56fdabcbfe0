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
});
