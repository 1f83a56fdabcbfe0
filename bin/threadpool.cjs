'use strict';
// libuv's thread pool, which sharp decodes images on, is one per process and shared by every
// worker thread; Node sizes it once, at its first use, from UV_THREADPOOL_SIZE (4 when unset).
// On a machine with more cores than that, four decodes at a time would cap extraction however
// many workers run, so each entry that runs the engine sizes it to the cores before anything
// else: the CLI and run-ts here (CommonJS, so nothing has touched the pool yet; an ES module
// entry is read through the pool), and the desktop app when it starts the engine's process.
const os = require('node:os');

/** libuv's own ceiling on its pool */
const libuvMax = 1024;

/** the pool for a machine with this many cores: one decode a core, never fewer than Node's 4 */
function threadpoolSize(cores) {
  return Math.max(4, Math.min(libuvMax, Math.floor(cores) || 0));
}

/** the cores to size for: the machine's, or a test's stand-in (TRANSFER_LAB_FAULT_CORES) */
function coresHere(env = process.env) {
  const simulated = Number(env.TRANSFER_LAB_FAULT_CORES);
  if (Number.isInteger(simulated) && simulated > 0) return simulated;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** the environment for a process that runs the engine: a size the user set is kept */
function withThreadpool(env = process.env) {
  if (env.UV_THREADPOOL_SIZE) return { ...env };
  return { ...env, UV_THREADPOOL_SIZE: String(threadpoolSize(coresHere(env))) };
}

/** sizes this process's pool; only takes effect before the pool's first use */
function sizeThreadpool() {
  if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = withThreadpool().UV_THREADPOOL_SIZE;
}

module.exports = { threadpoolSize, withThreadpool, sizeThreadpool };
