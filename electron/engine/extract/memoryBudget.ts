import os from 'node:os';
import fs from 'node:fs';
import { coreCount } from '../util/cores';

/**
 * Memory that can really be had now. On Linux (a Jetson shares 4–8 GB between CPU and GPU)
 * MemAvailable counts reclaimable page cache, which os.freemem() does not; a cgroup limit,
 * where one is set, caps it.
 */
export function availableMemoryBytes(): number {
  let avail = os.freemem();
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (m) avail = Number(m[1]) * 1024;
  } catch {
    // not Linux: os.freemem() it is
  }
  try {
    const limit = fs.readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    if (limit !== 'max') {
      const used = Number(fs.readFileSync('/sys/fs/cgroup/memory.current', 'utf8').trim());
      avail = Math.min(avail, Number(limit) - used);
    }
  } catch {
    // no cgroup v2 limit
  }
  return Math.max(0, avail);
}

export function isOutOfMemory(e: unknown): boolean {
  const msg = e instanceof Error ? `${e.name} ${e.message}` : String(e);
  return /out of memory|OOM|Array buffer allocation failed|Cannot allocate|RangeError: .*(allocation|Invalid typed array length)|memory access out of bounds/i.test(
    msg,
  );
}

export interface BatchPlan {
  workers: number;
  batchSize: number;
  /** estimated bytes one worker needs for one image in flight */
  bytesPerImage: number;
}

/**
 * Sizes the extraction from the memory free now: each worker holds the weights plus a few
 * activations per image in its batch. Use at most half of what is available, so the OS,
 * the desktop and (on a Jetson) the GPU keep theirs.
 */
export function planExtraction(opts: {
  items: number;
  weightsBytes: number;
  /** largest activation of one image, in floats */
  peakActivationFloats: number;
  inputFloats: number;
  maxWorkers?: number;
  maxBatch?: number;
  available?: number;
}): BatchPlan {
  const available = (opts.available ?? availableMemoryBytes()) * 0.5;
  // an activation, its successor and a temporary coexist; plus the decoded input
  const bytesPerImage = (opts.peakActivationFloats * 3 + opts.inputFloats * 2) * 4;
  const perWorkerFixed = opts.weightsBytes * 2 + 96 * 1024 * 1024;
  const cores = coreCount();
  let workers = Math.max(1, Math.min(opts.maxWorkers ?? cores, cores, Math.ceil(opts.items / 16)));
  while (workers > 1 && workers * (perWorkerFixed + bytesPerImage) > available) workers--;
  const perWorker = available / workers - perWorkerFixed;
  const batchSize = Math.max(1, Math.min(opts.maxBatch ?? 16, Math.floor(perWorker / bytesPerImage)));
  return { workers, batchSize, bytesPerImage };
}
