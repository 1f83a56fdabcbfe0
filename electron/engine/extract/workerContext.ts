import { isTransferLabError } from '../../../shared/errors';
import { isOutOfMemory } from './memoryBudget';
import type { FromWorker, WorkerInit } from './protocol';
import type { Runner } from './runner';

/**
 * What the parts of one extraction worker share (extractWorker.ts makes it): its settings, the
 * runtime it boots (bootRuntime.ts) and runs its jobs on (jobQueue.ts), and its way to the pool.
 */
export interface WorkerContext {
  /** the pool's settings; a deferred worker's are completed by its 'start' */
  init: WorkerInit;
  runner?: Runner;
  /** the plain TF.js model a compiled runtime is checked against, while the check lasts */
  reference: Runner | null;
  /** a 'close' came: each step ends at its next chance */
  closing: boolean;
  send(m: FromWorker): void;
  /** a call that may be inside native code, counted (nativeCounter) */
  native<T>(call: () => Promise<T>): Promise<T>;
}

/**
 * Every call that may be inside native code — ONNX Runtime's session and `run`, sharp's
 * decoding, a runtime's start — is counted in the counter the pool shares, which then never
 * terminates this thread while it is above 0 (that aborts the whole process).
 */
export function nativeCounter(nativeCalls: Int32Array): WorkerContext['native'] {
  return async <T>(call: () => Promise<T>): Promise<T> => {
    Atomics.add(nativeCalls, 0, 1);
    try {
      return await call();
    } finally {
      Atomics.sub(nativeCalls, 0, 1);
    }
  };
}

export const fatal = (e: unknown): FromWorker => ({
  type: 'fatal',
  error: isTransferLabError(e)
    ? e.toJSON()
    : { code: isOutOfMemory(e) ? 'OUT_OF_MEMORY' : 'INTERNAL', message: (e as Error).message.split('\n')[0] ?? String(e) },
});
