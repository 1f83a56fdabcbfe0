import { z } from 'zod';
import type { ClassSummary, DatasetImage, DatasetProblem, DatasetScan, SkippedFile, SplitFractions } from './dataset';
import type { EngineEvent } from './events';
import type { CatalogEntry, LayerInfo } from './model';
import type { Preprocessing } from './preprocessing';
import type { TrainConfig } from './run';

/**
 * zod schemas of the domain types that cross a process boundary. Each is checked against
 * its TypeScript interface below, so the two cannot drift apart.
 */
export const splitSchema = z.object({ val: z.number().min(0).lt(1), test: z.number().min(0).lt(1) });

export const preprocessingSchema = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  resize: z.enum(['stretch', 'center-crop']),
  range: z.tuple([z.number(), z.number()]),
});

export const trainConfigSchema = z.object({
  epochs: z.number().int().min(1).max(10_000),
  batchSize: z.number().int().min(1).max(65_536),
  learningRate: z.number().positive(),
  optimizer: z.enum(['adam', 'sgd']),
  momentum: z.number().min(0).lt(1),
  seed: z.number().int().min(0),
  patience: z.number().int().min(0),
  head: z.object({ hiddenUnits: z.number().int().min(0).max(65_536), dropout: z.number().min(0).lt(1) }),
  // added after the first release: a run or project written before them reads as the defaults
  fineTuneLayers: z.number().int().min(0).max(1000).default(0),
  fineTuneLearningRateFactor: z.number().positive().max(10).default(0.1),
  augmentVariants: z.number().int().min(0).max(16).default(0),
  imagesPerClass: z.number().int().min(1).nullable().default(null),
});

const skippedSchema = z.object({ path: z.string(), reason: z.string() });

export const datasetScanSchema = z.object({
  root: z.string(),
  classes: z.array(z.string()),
  classSummaries: z.array(z.object({ name: z.string(), count: z.number(), train: z.number(), val: z.number(), test: z.number() })),
  images: z.array(
    z.object({
      relPath: z.string(),
      label: z.number().int(),
      contentHash: z.string(),
      bytes: z.number(),
      width: z.number(),
      height: z.number(),
      format: z.string(),
      split: z.enum(['train', 'val', 'test']),
    }),
  ),
  skipped: z.array(skippedSchema),
  hiddenCount: z.number(),
  problems: z.array(
    z.object({
      kind: z.enum(['unreadable', 'not-an-image', 'empty-class', 'duplicate-in-class', 'duplicate-across-classes', 'small-image', 'class-imbalance', 'class-too-small-to-split', 'images-at-top-level', 'symlink-loop']),
      severity: z.enum(['warning', 'error']),
      message: z.string(),
      paths: z.array(z.string()).optional(),
      className: z.string().optional(),
    }),
  ),
  split: splitSchema,
});

export const catalogEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  family: z.enum(['mobilenet_v1', 'mobilenet_v2', 'mobilenet_v3', 'inception_v3', 'efficientnet', 'resnet', 'other']),
  format: z.enum(['layers', 'graph']),
  url: z.string(),
  fromTFHub: z.boolean(),
  preprocessing: preprocessingSchema,
  defaultCut: z.string().optional(),
  featureDim: z.number(),
  paramsM: z.number(),
  publishedParamsM: z.number().optional(),
  downloadMB: z.number(),
  macsM: z.number(),
  imagenetTop1: z.number(),
  source: z.string(),
  notes: z.string().optional(),
});

export const layerInfoSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  className: z.string(),
  outputShape: z.array(z.number().nullable()),
  params: z.number(),
  trainableParams: z.number(),
  inbound: z.array(z.string()),
});

const phaseSchema = z.enum(['scan', 'download', 'load-model', 'extract', 'train', 'evaluate', 'save', 'export', 'parity']);

export const engineEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('phase'), phase: phaseSchema, message: z.string() }),
  z.object({
    type: z.literal('progress'),
    phase: phaseSchema,
    done: z.number(),
    total: z.number(),
    unit: z.enum(['files', 'images', 'samples', 'bytes']),
    perSecond: z.number().nullable(),
    etaSeconds: z.number().nullable(),
    detail: z.string().optional(),
    rssMiB: z.number().optional(),
    numTensors: z.number().optional(),
  }),
  z.object({
    type: z.literal('epoch'),
    epoch: z.number(),
    epochs: z.number(),
    loss: z.number(),
    accuracy: z.number(),
    valLoss: z.number().nullable(),
    valAccuracy: z.number().nullable(),
    seconds: z.number(),
    samplesPerSecond: z.number(),
    rssMiB: z.number(),
    numTensors: z.number(),
  }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn']), message: z.string() }),
]);

// compile-time checks: schema and interface describe the same shape
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const check = <T extends true>(): T => true as T;
export const schemaChecks = [
  check<Same<z.infer<typeof splitSchema>, SplitFractions>>(),
  check<Same<z.infer<typeof preprocessingSchema>, Preprocessing>>(),
  check<Same<z.infer<typeof trainConfigSchema>, TrainConfig>>(),
  check<Same<z.infer<typeof datasetScanSchema>, DatasetScan>>(),
  check<Same<z.infer<typeof datasetScanSchema>['images'][number], DatasetImage>>(),
  check<Same<z.infer<typeof datasetScanSchema>['classSummaries'][number], ClassSummary>>(),
  check<Same<z.infer<typeof datasetScanSchema>['problems'][number], DatasetProblem>>(),
  check<Same<z.infer<typeof skippedSchema>, SkippedFile>>(),
  check<Same<z.infer<typeof catalogEntrySchema>, CatalogEntry>>(),
  check<Same<z.infer<typeof layerInfoSchema>, LayerInfo>>(),
  check<Same<z.infer<typeof engineEventSchema>, EngineEvent>>(),
];
