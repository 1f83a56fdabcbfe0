import os from 'node:os';

/** the cores this process may run on (its CPU affinity, where Node knows it) */
export function coreCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
