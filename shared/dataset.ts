import { z } from 'zod';

/** Domain types of a scanned dataset: a folder with one sub-folder per class. */

export const splitNameSchema = z.enum(['train', 'val', 'test']);
export type SplitName = z.infer<typeof splitNameSchema>;

const fraction = (message: string) => z.number({ error: message }).min(0, { error: message }).lt(1, { error: message });

export const splitSchema = z.object({
  /** fraction of each class held out for validation, 0..1 */
  val: fraction('The validation fraction must be a number from 0 up to (not including) 1.'),
  /** fraction of each class held out for the final test, 0..1 */
  test: fraction('The test fraction must be a number from 0 up to (not including) 1.'),
});
export type SplitFractions = z.infer<typeof splitSchema>;

export const defaultSplit: SplitFractions = { val: 0.1, test: 0.2 };

export const datasetImageSchema = z.object({
  /** path relative to the dataset root, '/'-separated */
  relPath: z.string(),
  /** index into DatasetScan.classes */
  label: z.number().int(),
  /** sha1 of the file's bytes (hex): the bottleneck cache key and the duplicate detector */
  contentHash: z.string(),
  bytes: z.number(),
  width: z.number(),
  height: z.number(),
  format: z.string(),
  split: splitNameSchema,
});
export type DatasetImage = z.infer<typeof datasetImageSchema>;

/** A file that will not be used, with the reason, path relative to the dataset root. */
export const skippedFileSchema = z.object({ path: z.string(), reason: z.string() });
export type SkippedFile = z.infer<typeof skippedFileSchema>;

export const problemKinds = [
  'unreadable',
  'not-an-image',
  'empty-class',
  'duplicate-in-class',
  'duplicate-across-classes',
  'small-image',
  'class-imbalance',
  'class-too-small-to-split',
  'images-at-top-level',
  'symlink-loop',
] as const;
export type ProblemKind = (typeof problemKinds)[number];

export const datasetProblemSchema = z.object({
  kind: z.enum(problemKinds),
  severity: z.enum(['warning', 'error']),
  message: z.string(),
  /** the files (relative paths) the problem names, if any */
  paths: z.array(z.string()).optional(),
  /** the class the problem concerns, if any */
  className: z.string().optional(),
});
export type DatasetProblem = z.infer<typeof datasetProblemSchema>;

export const classSummarySchema = z.object({ name: z.string(), count: z.number(), train: z.number(), val: z.number(), test: z.number() });
export type ClassSummary = z.infer<typeof classSummarySchema>;

export const datasetScanSchema = z.object({
  root: z.string(),
  classes: z.array(z.string()),
  classSummaries: z.array(classSummarySchema),
  images: z.array(datasetImageSchema),
  skipped: z.array(skippedFileSchema),
  /** hidden and system files (.DS_Store, Thumbs.db, dot-files), skipped quietly but counted */
  hiddenCount: z.number(),
  problems: z.array(datasetProblemSchema),
  split: splitSchema,
});
export type DatasetScan = z.infer<typeof datasetScanSchema>;
