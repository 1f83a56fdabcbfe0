import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../api/types';
import { sampleRun } from '../testing/fixtures';
import { plannedEntry, resumableDirOf, snapshotRuns, withEnginePlan, withRunEnded, withRunStarted } from './jobRuns';

const planned = [
  { index: 0, label: 'lr 0.01', epochs: 4 },
  { index: 1, label: 'lr 0.1' },
].map(plannedEntry);

describe("the job's runs", () => {
  it('lists a plan with the first run running and the rest queued', () => {
    expect(planned.map((r) => [r.label, r.status, r.epochs, r.runId])).toEqual([
      ['lr 0.01', 'running', 4, null],
      ['lr 0.1', 'queued', null, null],
    ]);
  });

  it('marks a run started, and a run ended with its folder and id', () => {
    const started = withRunStarted(planned, 1);
    expect(started.map((r) => r.status)).toEqual(['running', 'running']);
    const ended = withRunEnded(started, {
      jobId: 'j',
      index: 1,
      label: 'lr 0.1',
      status: 'done',
      runDir: '/work/runs/r2',
      run: sampleRun('r2'),
      error: null,
      resumable: false,
    });
    expect(ended[1]).toMatchObject({ status: 'done', runDir: '/work/runs/r2', runId: 'r2' });
    expect(ended[0]).toBe(started[0]);
  });

  it("takes the engine's plan, keeping what was heard before it answered", () => {
    const failed = withRunEnded(planned, {
      jobId: 'j',
      index: 0,
      label: 'lr 0.01',
      status: 'failed',
      runDir: null,
      run: null,
      error: { code: 'INTERNAL', message: 'boom' },
      resumable: false,
    });
    const engine = withEnginePlan(failed, [
      { index: 0, label: 'lr 0.01 (engine)', epochs: 5 },
      { index: 1, label: 'lr 0.1', epochs: 5 },
      { index: 2, label: 'lr 1', epochs: 5 },
    ]);
    expect(engine.map((r) => [r.label, r.status, r.epochs])).toEqual([
      ['lr 0.01 (engine)', 'failed', 5],
      ['lr 0.1', 'queued', 5],
      ['lr 1', 'queued', 5],
    ]);
  });

  it("reads a snapshot's runs, and the folder a stopped run goes on from", () => {
    const job: JobSnapshot = {
      jobId: 'j',
      status: 'cancelled',
      startedAt: '2026-01-01T00:00:00Z',
      events: [],
      runDir: '/work/runs/r1',
      error: null,
      runs: [{ index: 0, label: 'one run', status: 'cancelled', runDir: '/work/runs/r1', error: null, resumable: true }],
      current: 0,
    };
    expect(snapshotRuns(job)).toEqual([expect.objectContaining({ epochs: null, runId: null, resumable: true })]);
    expect(resumableDirOf(job)).toBe('/work/runs/r1');
    expect(resumableDirOf({ ...job, status: 'done' })).toBeNull();
    expect(resumableDirOf({ ...job, runs: [{ ...job.runs[0]!, resumable: false }] })).toBeNull();
  });
});
