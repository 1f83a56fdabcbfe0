import { describe, expect, it } from 'vitest';
import { sampleRun } from '../testing/fixtures';
import { createFinishedRuns, type FinishedRun } from './finishedRuns';

const run = (id: string): FinishedRun => ({ runDir: `/work/runs/${id}`, run: sampleRun(id), labTask: null });

describe('finished runs handed on', () => {
  it('a listener gets the runs finished before it came, then each new one, until it stops', () => {
    const finished = createFinishedRuns();
    finished.add(run('r1'));
    const heard: string[] = [];
    const stop = finished.listen((f) => heard.push(f.run.id));
    expect(heard).toEqual(['r1']);
    finished.add(run('r2'));
    stop();
    finished.add(run('r3'));
    expect(heard).toEqual(['r1', 'r2']);
  });
});
