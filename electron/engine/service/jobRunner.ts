import crypto from 'node:crypto';
import path from 'node:path';
import type { EventPayload } from '../../../shared/contract';
import { TransferLabError } from '../../../shared/errors';
import type { EngineEvent } from '../../../shared/events';
import { toErrorData } from '../../../shared/rpc';
import type { RunRecord } from '../../../shared/run';
import { trainRun, type TrainRunOptions } from '../run/trainRun';

export interface JobSnapshot {
  jobId: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  startedAt: string;
  events: EngineEvent[];
  runDir: string | null;
  error: ReturnType<typeof toErrorData> | null;
}

type Emit = <E extends 'job.event' | 'job.finished'>(event: E, payload: EventPayload<E>) => void;

/**
 * One training job at a time, owned by the engine process, not by a window: closing or
 * reloading the window neither stops nor loses it, and `snapshot()` lets a new window redraw
 * everything so far. Progress events are thinned (the last one per phase is kept) so the
 * history stays small however long the run.
 */
export class JobRunner {
  private job: (JobSnapshot & { abort: AbortController; run: RunRecord | null }) | null = null;

  constructor(private readonly emit: Emit, private readonly runsDir: string) {}

  start(opts: Omit<TrainRunOptions, 'onEvent' | 'signal' | 'outDir'>, onDone?: (run: RunRecord, runDir: string) => void): string {
    if (this.job?.status === 'running') {
      throw new TransferLabError('BAD_ARGUMENT', 'A training run is already in progress.', 'Wait for it to finish, or stop it first.');
    }
    const jobId = crypto.randomUUID();
    const abort = new AbortController();
    const job = { jobId, status: 'running' as const, startedAt: new Date().toISOString(), events: [] as EngineEvent[], runDir: null as string | null, error: null, abort, run: null as RunRecord | null };
    this.job = job;
    const record = (event: EngineEvent) => {
      if (event.type === 'progress') {
        const i = job.events.findIndex((e) => e.type === 'progress' && e.phase === event.phase);
        if (i >= 0) job.events.splice(i, 1);
      }
      job.events.push(event);
      this.emit('job.event', { jobId, event });
    };
    void trainRun({ ...opts, outDir: path.join(this.runsDir, jobId), onEvent: record, signal: abort.signal })
      .then(({ runDir, record: run }) => {
        Object.assign(job, { status: 'done', runDir, run });
        onDone?.(run, runDir);
        this.emit('job.finished', { jobId, status: 'done', runDir, run, error: null });
      })
      .catch((e: unknown) => {
        const error = toErrorData(e);
        const status = error.code === 'CANCELLED' ? 'cancelled' : 'failed';
        Object.assign(job, { status, error });
        this.emit('job.finished', { jobId, status, runDir: null, run: null, error });
      });
    return jobId;
  }

  stop(jobId: string): boolean {
    if (!this.job || this.job.jobId !== jobId || this.job.status !== 'running') return false;
    this.job.abort.abort();
    return true;
  }

  snapshot(): JobSnapshot | null {
    if (!this.job) return null;
    const { jobId, status, startedAt, events, runDir, error } = this.job;
    return { jobId, status, startedAt, events: [...events], runDir, error };
  }

  /** resolves when the current job (if any) has finished: for shutdown and tests */
  async idle(): Promise<void> {
    while (this.job?.status === 'running') await new Promise((r) => setTimeout(r, 50));
  }
}
