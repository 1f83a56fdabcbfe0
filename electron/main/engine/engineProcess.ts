import { utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron';
import type { EventName, EventPayload, RequestName } from '../../../shared/contract';
import type { TransferLabErrorData } from '../../../shared/errors';
import type { RpcResult } from '../../../shared/rpc';
import { RpcClient } from '../../../shared/rpcClient';
import type { ToEngine } from '../../../shared/utilityWire';

/**
 * The engine as a utility process: numbered requests out, replies and events back. If the
 * process dies (out of memory in the middle of a run, say), pending requests fail with a plain
 * error, a running job is reported finished-with-failure, and a fresh engine starts — runs on
 * disk, the cache and projects are files, so nothing else is lost. Three deaths within a
 * minute stop the automatic restarts; the next request tries again.
 */
export interface EngineProcessOptions {
  entry: string;
  env: Record<string, string>;
  onEvent: <E extends EventName>(name: E, payload: EventPayload<E>) => void;
  log?: (message: string) => void;
  /** after each start, the first and every restart: a fresh engine has no link to the GPU window yet */
  onStarted?: () => void;
}

const crashWindowMs = 60_000;
const maxCrashesInWindow = 3;
const restartDelayMs = 500;
const shutdownGraceMs = 5_000;

export class EngineProcess {
  private child: UtilityProcess | null = null;
  /** the envelope's client (shared/rpcClient.ts) over the utility port: it parses what the engine sends */
  private readonly rpc = new RpcClient({
    post: (envelope) => {
      if (!this.child) throw new Error('the engine is not running');
      this.child.postMessage(envelope satisfies ToEngine);
    },
    onEvent: (name, payload) => this.event(name, payload),
    onDropped: (why) => this.o.log?.(`dropped ${why} from the engine`),
  });
  private runningJob: string | null = null;
  private crashes: number[] = [];
  private stopping: Promise<void> | null = null;

  constructor(private readonly o: EngineProcessOptions) {}

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    if (this.child || this.stopping) return;
    const child = utilityProcess.fork(this.o.entry, [], { serviceName: 'Transfer Lab engine', stdio: 'inherit', env: this.o.env });
    this.child = child;
    child.on('message', (m: unknown) => this.rpc.receive(m));
    child.once('exit', (code) => this.exited(child, code));
    this.o.onStarted?.();
  }

  /** hands the engine its end of the GPU window's channel; false when there is no engine to take it */
  sendGpuWindowPort(port: MessagePortMain): boolean {
    if (!this.child || this.stopping) return false;
    try {
      this.child.postMessage({ type: 'gpuWindowPort' } satisfies ToEngine, [port]);
      return true;
    } catch (e) {
      this.o.log?.(`could not hand the engine the GPU window's port: ${(e as Error).message}`);
      return false;
    }
  }

  async call(name: RequestName, input: unknown): Promise<RpcResult> {
    if (this.stopping) return failure({ code: 'INTERNAL', message: 'Transfer Lab is closing.' });
    this.start();
    const reply = await this.rpc.request(name, input);
    // whatever the request was called (train.start, train.resume, sweep.start, …): a reply that names a job started one
    const jobId = reply.ok ? jobIdOf(reply.result) : null;
    if (jobId) this.runningJob = jobId;
    return reply;
  }

  /** asks the engine to stop its job and exit; kills it if it does not within a few seconds */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    const child = this.child;
    this.stopping = !child
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill(), shutdownGraceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          try {
            child.postMessage({ type: 'shutdown' } satisfies ToEngine);
          } catch {
            child.kill();
          }
        });
    return this.stopping;
  }

  private event<E extends EventName>(name: E, payload: EventPayload<E>): void {
    // a job is known by its reply or by any event of it (the caller names a job, so its events can come first)
    if (name === 'job.event' || name === 'job.run') this.runningJob = (payload as EventPayload<'job.event'>).jobId;
    if (name === 'job.finished' && (payload as EventPayload<'job.finished'>).jobId === this.runningJob) this.runningJob = null;
    this.o.onEvent(name, payload);
  }

  private exited(child: UtilityProcess, code: number): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.stopping) return;
    this.o.log?.(`the engine stopped unexpectedly (exit code ${code})`);
    this.rpc.failPending((name) => ({
      code: 'INTERNAL',
      message: `The engine stopped while answering ${name} (exit code ${code}).`,
      hint: 'It has been restarted: try again.',
    }));
    if (this.runningJob) {
      const jobId = this.runningJob;
      this.runningJob = null;
      this.o.onEvent('job.finished', {
        jobId,
        status: 'failed',
        runDir: null,
        run: null,
        error: {
          code: 'INTERNAL',
          message: `The training engine stopped unexpectedly (exit code ${code}).`,
          hint: 'It has been restarted. Start the run again: features already extracted are reused from the cache. If it keeps happening, the machine may be short of memory: try a smaller batch size.',
        },
      });
    }
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < crashWindowMs), now];
    if (this.crashes.length < maxCrashesInWindow) setTimeout(() => this.start(), restartDelayMs);
  }
}

function jobIdOf(result: unknown): string | null {
  if (typeof result !== 'object' || result === null || !('jobId' in result)) return null;
  return typeof result.jobId === 'string' ? result.jobId : null;
}

function failure(error: TransferLabErrorData): RpcResult {
  return { ok: false, error };
}
