import { Worker, type Transferable } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerData, WorkerInit } from './protocol';

/**
 * One worker thread and what the pool knows of it. It is ended only by asking ('close'), and
 * waited for: terminating a thread inside ONNX Runtime's `run` (or sharp's decoding) aborts the
 * whole process ("terminate called after throwing an instance of 'Napi::Error'").
 */
export class WorkerHandle {
  readonly worker: Worker;
  inFlight = 0;
  exitCode: number | null = null;
  /** an uncaught error that ended it */
  error: Error | null = null;
  /** whether it had to be terminated (it ignored 'close' past the grace) */
  terminated = false;
  readonly exited: Promise<number>;
  /** native calls in flight inside the worker, counted by the worker itself */
  private readonly nativeCalls = new Int32Array(new SharedArrayBuffer(4));

  /**
   * `entry`: the worker's code (workerEntry.ts); `transfer`: what in `init` moves to the worker
   * rather than being copied (the GPU window's port)
   */
  constructor(entry: URL, init: WorkerInit, transfer: Transferable[] = []) {
    this.worker = new Worker(entry, {
      workerData: { ...init, nativeCalls: this.nativeCalls } satisfies WorkerData,
      transferList: transfer,
      stdout: false,
      stderr: false,
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
    // an 'error' event is followed by 'exit'; without a listener it would be thrown in the pool's thread
    this.worker.on('error', (e) => (this.error = e));
  }

  get alive(): boolean {
    return this.exitCode === null;
  }

  post(m: ToWorker): void {
    if (this.alive) this.worker.postMessage(m);
  }

  /** the next message of this type, or null if the worker ends first */
  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }> | null> {
    if (!this.alive) return Promise.resolve(null);
    return new Promise((resolve) => {
      const onMessage = (m: FromWorker) => {
        if (m.type !== type) return;
        this.worker.off('message', onMessage);
        resolve(m as Extract<FromWorker, { type: T }>);
      };
      this.worker.on('message', onMessage);
      void this.exited.then(() => {
        this.worker.off('message', onMessage);
        resolve(null);
      });
    });
  }

  /** drops its queued jobs and waits for the batch it is running */
  async stop(): Promise<void> {
    const stopped = this.next('stopped');
    this.post({ type: 'stop' });
    await stopped;
  }

  /**
   * Asks it to close and waits until it has ended on its own. Past the grace, a worker that
   * still has not ended and is not inside a native call (a loop of ours, a hung promise) is
   * terminated; one inside a native call is waited for until the call returns.
   */
  async close(graceMs: number): Promise<void> {
    if (!this.alive) return;
    this.post({ type: 'close' });
    const ended = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (ended) return;
    while (this.alive && Atomics.load(this.nativeCalls, 0) > 0) await Promise.race([this.exited, sleep(50)]);
    if (!this.alive) return;
    this.terminated = true;
    await this.worker.terminate();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
