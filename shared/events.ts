import type { EpochMetrics, RunRecord } from './run';
import type { RunFactsEvent } from './runFacts';

/** What the engine streams while it works: the CLI prints it, the app draws it. */
export type Phase = 'scan' | 'download' | 'load-model' | 'extract' | 'train' | 'evaluate' | 'save' | 'export' | 'parity';

export interface PhaseEvent {
  type: 'phase';
  phase: Phase;
  message: string;
}

export interface ProgressEvent {
  type: 'progress';
  phase: Phase;
  done: number;
  total: number;
  unit: 'files' | 'images' | 'samples' | 'bytes';
  perSecond: number | null;
  etaSeconds: number | null;
  /** extra figures worth showing beside the bar, e.g. epoch 3/10 */
  detail?: string;
  /** the engine's memory and live tensors as it goes: shown during extraction too, before any epoch */
  rssMiB?: number;
  numTensors?: number;
}

export interface EpochEvent extends EpochMetrics {
  type: 'epoch';
  epochs: number;
  rssMiB: number;
  numTensors: number;
}

export interface LogEvent {
  type: 'log';
  level: 'info' | 'warn';
  message: string;
}

export type { RunFactsEvent } from './runFacts';

export type EngineEvent = PhaseEvent | ProgressEvent | EpochEvent | LogEvent | RunFactsEvent;

/** The last line of `transfer-lab train --json`. */
export interface TrainResultLine {
  type: 'result';
  runDir: string;
  backend: string;
  extractor: RunRecord['extractor'];
  /** which device ran the frozen part, the top layers and the head, and why no faster one */
  devices?: RunRecord['devices'];
  classes: string[];
  counts: { train: number; val: number; test: number };
  skipped: RunRecord['skipped'];
  testAccuracy: number;
  confusionMatrix: number[][];
  perClass: RunRecord['evaluation']['perClass'];
  misclassified: RunRecord['evaluation']['misclassified'];
  epochs: EpochMetrics[];
  bestEpoch: number;
  timings: RunRecord['timings'];
  cache: { hits: number; misses: number };
  peakRssMiB: number;
}
