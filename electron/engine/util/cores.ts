import os from 'node:os';

/** the cores this process may run on (its CPU affinity, where Node knows it) */
export function coreCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * threads of libuv's pool, where sharp decodes: what UV_THREADPOOL_SIZE said when the pool
 * started (the entries set it before that, bin/threadpool.cjs), or Node's own 4
 */
export function decodeThreads(): number {
  return Number(process.env.UV_THREADPOOL_SIZE) || 4;
}

/**
 * the most threads fine-tuning on wasm shares a batch across (train/parallelGradients.ts): the
 * run's own and a worker per core but one, at most 4 in all (each worker holds the network, and
 * the optimizer's step stays on the run's thread)
 */
export function fineTuneThreads(cores: number = coreCount()): number {
  return Math.max(1, Math.min(cores, 4));
}
