import * as tf from '@tensorflow/tfjs-core';

const MiB = 1024 * 1024;

export function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / MiB);
}

/** the process's peak resident memory so far, worker threads included */
export function peakRssMiB(): number {
  // resourceUsage().maxRSS is in kilobytes
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function numTensors(): number {
  return tf.memory().numTensors;
}
