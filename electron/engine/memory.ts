import * as tf from '@tensorflow/tfjs-core';

const MiB = 1024 * 1024;

export function rssMiB(): number {
  return Math.round(process.memoryUsage.rss() / MiB);
}

/**
 * The peak resident memory of one job: sampled while it runs, so a later run never reports an
 * earlier run's high-water mark (the process's maxRSS only ever grows). Extraction workers are
 * threads of this process, so their memory is in the sample.
 */
export interface PeakSampler {
  /** the first sample, MiB: what the process held before the job (its libraries, and what earlier jobs left) */
  readonly startMiB: number;
  /** samples now and returns the highest sample so far, MiB */
  peakMiB(): number;
  stop(): void;
}

export function startPeakSampler(intervalMs = 200): PeakSampler {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  sample();
  const startMiB = Math.round(peak / MiB);
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    startMiB,
    peakMiB: () => {
      sample();
      return Math.round(peak / MiB);
    },
    stop: () => clearInterval(timer),
  };
}

export function numTensors(): number {
  return tf.memory().numTensors;
}
