import { TransferLabError } from '../../../shared/errors';
import type { ExtractorRuntime, RuntimeName } from './protocol';
import { workerEntry } from './workerEntry';
import { probeAdapter } from './adapterFacts';

/*
 * What the extraction pool (extractorPool.ts) says of itself and of an extraction, its stop
 * error and grace, and what it shares across the pools of a process.
 */

/** which runtime and workers a pool settled on, for the run record */
export interface ExtractorInfo {
  backend: string;
  runtime: RuntimeName;
  workers: number;
  /** threads of each worker's runtime, where it has its own (ONNX Runtime) */
  threads: number;
  batchSize: number;
  fallbackReason?: string;
  /** the compiled graph and its parity verdict came from the cache: nothing was compiled or checked */
  compiledFromCache?: boolean;
  /** why the frozen part runs on this device, where `auto` weighed the GPU (chooseDevice.ts) */
  deviceReason?: string;
  parityMaxDiff?: number;
  /** how many of the workers loaded a TF.js backend (those running a compiled ONNX graph load none) */
  tfjsWorkers: number;
}

export interface ExtractProgress {
  done: number;
  total: number;
  failed: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
}

export interface ExtractOutcome {
  extracted: number;
  failed: { hash: string; absPath: string; reason: string }[];
  seconds: number;
  decodeSeconds: number;
  inferSeconds: number;
}

export const stoppedError = () =>
  new TransferLabError('CANCELLED', 'Extraction was stopped.', 'Features extracted so far are kept in the cache; start again to continue.');

/** how long a worker asked to close may take before the pool looks at ending it itself */
export const defaultCloseGraceMs = 30_000;

/**
 * Starts, without waiting, what every pool of this process shares and a run's start would
 * otherwise wait for: the worker's code (bundled once from the sources) and, for auto, the GPU
 * adapter probe. A run calls it as it begins, so both are ready by the time its scan and model
 * load are done and the pool starts; each is made once per process, and a failure is met again,
 * and reported, by the pool itself.
 */
export function warmExtraction(runtime: ExtractorRuntime): void {
  workerEntry().catch(() => undefined);
  if (runtime === 'auto') void probeAdapter();
}
