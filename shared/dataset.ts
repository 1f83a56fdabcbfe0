/** Domain types of a scanned dataset: a folder with one sub-folder per class. */

export type SplitName = 'train' | 'val' | 'test';

export interface SplitFractions {
  /** fraction of each class held out for validation, 0..1 */
  val: number;
  /** fraction of each class held out for the final test, 0..1 */
  test: number;
}

export const defaultSplit: SplitFractions = { val: 0.1, test: 0.2 };

export interface DatasetImage {
  /** path relative to the dataset root, '/'-separated */
  relPath: string;
  /** index into DatasetScan.classes */
  label: number;
  /** sha1 of the file's bytes (hex): the bottleneck cache key and the duplicate detector */
  contentHash: string;
  bytes: number;
  width: number;
  height: number;
  format: string;
  split: SplitName;
}

/** A file that will not be used, with the reason, path relative to the dataset root. */
export interface SkippedFile {
  path: string;
  reason: string;
}

export type ProblemKind =
  | 'unreadable'
  | 'not-an-image'
  | 'empty-class'
  | 'duplicate-in-class'
  | 'duplicate-across-classes'
  | 'small-image'
  | 'class-imbalance'
  | 'class-too-small-to-split'
  | 'images-at-top-level'
  | 'symlink-loop';

export interface DatasetProblem {
  kind: ProblemKind;
  severity: 'warning' | 'error';
  message: string;
  /** the files (relative paths) the problem names, if any */
  paths?: string[];
  /** the class the problem concerns, if any */
  className?: string;
}

export interface ClassSummary {
  name: string;
  count: number;
  train: number;
  val: number;
  test: number;
}

export interface DatasetScan {
  root: string;
  classes: string[];
  classSummaries: ClassSummary[];
  images: DatasetImage[];
  skipped: SkippedFile[];
  /** hidden and system files (.DS_Store, Thumbs.db, dot-files), skipped quietly but counted */
  hiddenCount: number;
  problems: DatasetProblem[];
  split: SplitFractions;
}
