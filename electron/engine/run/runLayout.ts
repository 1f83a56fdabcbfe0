/**
 * The one place that names what a run folder holds. TensorFlow-free, so opening or saving a
 * project (which copies finished runs) never loads TF.js.
 *
 * A finished run:            run.json, head/, and top/ for a run that fine-tuned the network
 * A run in progress/stopped: request.json, checkpoint.json and the checkpoint-<sha>.bin it names
 *
 * run.json is written last, so a folder with run.json is a finished run.
 */
export const runLayout = {
  /** config, per-epoch metrics, evaluation, timings, backend, memory */
  record: 'run.json',
  /** the trained classifier head (a TF.js layers model) */
  head: 'head',
  /** a fine-tuned run's top layers of the backbone, with the weights they learnt */
  top: 'top',
  /** what was asked: lets a stopped run resume */
  request: 'request.json',
  /** where training got to; names the .bin that holds the state */
  checkpoint: 'checkpoint.json',
} as const;

export type RunPart = 'head' | 'top';

/** a checkpoint's state file: named by its checksum, or the single name used before that */
export const legacyCheckpointBin = 'checkpoint.bin';
export const checkpointBinPattern = /^checkpoint(-[0-9a-f]+)?\.bin$/;
export const checkpointBinName = (sha256: string) => `checkpoint-${sha256.slice(0, 16)}.bin`;

export interface FinishedRunEntry {
  name: string;
  kind: 'file' | 'folder';
}

/** enough of run.json to know its layout */
export interface RunShape {
  model: { fineTune?: unknown };
}

/**
 * What a finished run holds, the record last: the order in which a copy must write them so
 * that the copy, too, is a finished run only once it is whole.
 */
export function finishedRunEntries(record: RunShape): FinishedRunEntry[] {
  return [
    { name: runLayout.head, kind: 'folder' },
    ...(record.model.fineTune ? [{ name: runLayout.top, kind: 'folder' as const }] : []),
    { name: runLayout.record, kind: 'file' },
  ];
}

/** the files that belong to a run still in progress (or stopped), not to a finished one */
export function isInProgressFile(name: string): boolean {
  return name === runLayout.request || name === runLayout.checkpoint || checkpointBinPattern.test(name);
}
