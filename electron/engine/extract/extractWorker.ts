import { workerData } from 'node:worker_threads';

/**
 * The entry of the engine's worker threads: an extraction worker (extractThread.ts), or, started
 * with the role 'gradients', a fine-tuning shard worker (../train/gradientWorker.ts). One entry,
 * so that the app's build, the packaged CLI and the sources' bundling (workerEntry.ts) each make
 * and find one file.
 */
if ((workerData as { role?: string } | null)?.role === 'gradients') await import('../train/gradientWorker');
else await import('./extractThread');
