import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EventPayload, JobRunSnapshot, JobSnapshot, JobStatus, ProjectOwner } from '../../../shared/contract';
import { TransferLabError } from '../../../shared/errors';
import type { EngineEvent } from '../../../shared/events';
import { toErrorData } from '../../../shared/rpc';
import { defaultTrainConfig, type RunRecord } from '../../../shared/run';
import { runLayout } from '../run/runLayout';
import { trainRun, type TrainRunOptions } from '../run/trainRun';

type Emit = <E extends 'job.event' | 'job.finished' | 'job.run'>(event: E, payload: EventPayload<E>) => void;

export interface QueuedRun {
  label: string;
  options: Omit<TrainRunOptions, 'onEvent' | 'signal' | 'outDir'>;
}

interface LiveRun extends JobRunSnapshot {
  options: QueuedRun['options'];
  abort: AbortController;
  run: RunRecord | null;
}

/**
 * One job at a time, owned by the engine process, not by a window: closing or reloading the
 * window neither stops nor loses it, and `snapshot()` lets a new window redraw everything so
 * far. A job is a queue of runs — one for a training, the grid of a sweep — that run one
 * after another over the same bottleneck cache; one run can be cancelled without the others.
 * Progress events are thinned (the last one per phase is kept) so the history stays small.
 */
export class JobRunner {
  private job: {
    jobId: string;
    owner: ProjectOwner | null;
    startedAt: string;
    status: JobStatus;
    runs: LiveRun[];
    current: number;
    events: EngineEvent[];
    stopping: boolean;
  } | null = null;

  constructor(
    private readonly emit: Emit,
    private readonly runsDir: string,
  ) {}

  /** `jobId`: the caller's name for the job (it listens for that id before it asks); one is made up without it */
  start(
    queue: QueuedRun[],
    onDone?: (run: RunRecord, runDir: string, index: number) => void,
    owner: ProjectOwner | null = null,
    jobId: string = crypto.randomUUID(),
  ): string {
    if (this.job?.status === 'running') {
      throw new TransferLabError('BAD_ARGUMENT', 'A training run is already in progress.', 'Wait for it to finish, or stop it first.');
    }
    if (queue.length === 0) throw new TransferLabError('BAD_ARGUMENT', 'There is nothing to run.');
    if (jobId === this.job?.jobId) throw new TransferLabError('BAD_ARGUMENT', `Job ${jobId} was started already.`, 'Start a new job under a new id.');
    const runs: LiveRun[] = queue.map((q, index) => ({
      index,
      label: q.label,
      options: q.options,
      status: 'queued',
      runDir: null,
      error: null,
      resumable: false,
      epochs: q.options.resume ? null : (q.options.config?.epochs ?? defaultTrainConfig.epochs),
      abort: new AbortController(),
      run: null,
    }));
    const job = {
      jobId,
      owner,
      startedAt: new Date().toISOString(),
      status: 'running' as JobStatus,
      runs,
      current: 0,
      events: [] as EngineEvent[],
      stopping: false,
    };
    this.job = job;
    void this.drain(job, onDone);
    return jobId;
  }

  private async drain(job: NonNullable<JobRunner['job']>, onDone?: (run: RunRecord, runDir: string, index: number) => void): Promise<void> {
    for (const r of job.runs) {
      if (r.status === 'cancelled') continue;
      if (job.stopping) {
        r.status = 'cancelled';
        continue;
      }
      job.current = r.index;
      job.events = [];
      r.status = 'running';
      const record = (event: EngineEvent) => {
        if (event.type === 'progress') {
          const i = job.events.findIndex((e) => e.type === 'progress' && e.phase === event.phase);
          if (i >= 0) job.events.splice(i, 1);
        }
        job.events.push(event);
        this.emit('job.event', { jobId: job.jobId, event, runIndex: r.index });
      };
      const outDir = r.options.resume ?? path.join(this.runsDir, job.runs.length > 1 ? `${job.jobId}-${r.index + 1}` : job.jobId);
      r.runDir = outDir;
      try {
        const { runDir, record: run } = await trainRun({ ...r.options, outDir, onEvent: record, signal: r.abort.signal });
        Object.assign(r, { status: 'done', runDir, run });
        onDone?.(run, runDir, r.index);
        this.emit('job.run', { jobId: job.jobId, index: r.index, label: r.label, status: 'done', runDir, run, error: null, resumable: false });
      } catch (e) {
        const error = toErrorData(e);
        r.status = error.code === 'CANCELLED' ? 'cancelled' : 'failed';
        r.error = error;
        r.resumable = r.status === 'cancelled' && fs.existsSync(path.join(outDir, runLayout.request)) && fs.existsSync(path.join(outDir, runLayout.checkpoint));
        this.emit('job.run', {
          jobId: job.jobId,
          index: r.index,
          label: r.label,
          status: r.status,
          runDir: r.resumable ? outDir : null,
          run: null,
          error,
          resumable: r.resumable,
        });
      }
    }
    const last = job.runs[job.runs.length - 1]!;
    const statuses = job.runs.map((r) => r.status);
    job.status = statuses.includes('done') ? 'done' : statuses.every((s) => s === 'cancelled') ? 'cancelled' : 'failed';
    // for a single run the job's outcome is the run's
    const single = job.runs.length === 1 ? last : null;
    if (single) job.status = single.status === 'done' ? 'done' : single.status === 'cancelled' ? 'cancelled' : 'failed';
    const shown = single ?? [...job.runs].reverse().find((r) => r.status === 'done') ?? last;
    this.emit('job.finished', {
      jobId: job.jobId,
      status: job.status as 'done' | 'failed' | 'cancelled',
      runDir: shown.status === 'done' || shown.resumable ? shown.runDir : null,
      run: shown.status === 'done' ? shown.run : null,
      error: shown.status === 'done' ? null : shown.error,
    });
  }

  /** stops the whole job: the run in progress and every queued one */
  stop(jobId: string): boolean {
    const job = this.job;
    if (!job || job.jobId !== jobId || job.status !== 'running') return false;
    job.stopping = true;
    for (const r of job.runs) if (r.status === 'running') r.abort.abort();
    return true;
  }

  /** cancels one run of a job: a queued one is skipped, a running one stopped; the others go on */
  cancelRun(jobId: string, index: number): boolean {
    const r = this.job?.jobId === jobId ? this.job.runs[index] : undefined;
    if (!r || (r.status !== 'queued' && r.status !== 'running')) return false;
    if (r.status === 'queued') {
      r.status = 'cancelled';
      this.emit('job.run', {
        jobId,
        index,
        label: r.label,
        status: 'cancelled',
        runDir: null,
        run: null,
        error: { code: 'CANCELLED', message: 'Cancelled before it started.' },
        resumable: false,
      });
    } else r.abort.abort();
    return true;
  }

  snapshot(): JobSnapshot | null {
    const job = this.job;
    if (!job) return null;
    const current = job.runs[job.current]!;
    return {
      jobId: job.jobId,
      owner: job.owner,
      status: job.status,
      startedAt: job.startedAt,
      events: [...job.events],
      runDir: current.runDir,
      error: current.error,
      runs: job.runs.map(({ index, label, status, runDir, error, resumable, epochs }) => ({ index, label, status, runDir, error, resumable, epochs })),
      current: job.current,
    };
  }

  /** resolves when the current job (if any) has finished: for shutdown and tests */
  async idle(): Promise<void> {
    while (this.job?.status === 'running') await new Promise((r) => setTimeout(r, 50));
  }
}
