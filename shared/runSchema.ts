import { z } from 'zod';
import type { ClassMetrics } from './metrics';
import type { EpochMetrics, Evaluation, ExtractorRecord, Misclassified, RunRecord, RunTimings, TestPrediction } from './run';
import { preprocessingSchema, splitSchema, trainConfigSchema } from './schemas';

/**
 * zod schema of RunRecord, so a run stored in a project file is checked when the project is
 * opened instead of failing later in a chart. The checks at the bottom keep it and the
 * interface in shared/run.ts from drifting apart.
 */

// JSON has no NaN: a diverged epoch's loss is written as null. Reading it back as NaN keeps
// the run (and the project holding it) loadable, and the chart shows the gap it really was.
// NaN itself is accepted too: Electron's IPC (structured clone) carries it unchanged.
const lossValue = z.union([z.number(), z.nan(), z.null().transform(() => Number.NaN)]);

const epochMetricsSchema = z.object({
  epoch: z.number().int(),
  loss: lossValue,
  accuracy: lossValue,
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  seconds: z.number(),
  samplesPerSecond: z.number(),
});

const classMetricsSchema = z.object({
  className: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number(),
});

const misclassifiedSchema = z.object({
  path: z.string(),
  trueClass: z.string(),
  predictedClass: z.string(),
  confidence: z.number(),
});

const testPredictionSchema = z.object({
  path: z.string(),
  trueLabel: z.number().int(),
  predictedLabel: z.number().int(),
  confidence: z.number(),
});

const evaluationSchema = z.object({
  accuracy: z.number(),
  confusionMatrix: z.array(z.array(z.number())),
  classes: z.array(z.string()),
  perClass: z.array(classMetricsSchema),
  macroF1: z.number(),
  misclassified: z.array(misclassifiedSchema),
  predictions: z.array(testPredictionSchema),
  testCount: z.number().int(),
});

const timingsSchema = z.object({
  scanSeconds: z.number(),
  modelLoadSeconds: z.number(),
  extractSeconds: z.number(),
  trainSeconds: z.number(),
  evaluateSeconds: z.number(),
  totalSeconds: z.number(),
});

const extractorSchema = z.object({
  runtime: z.string(),
  backend: z.string(),
  workers: z.number(),
  threads: z.number().optional(),
  batchSize: z.number(),
  fallbackReason: z.string().optional(),
  deviceReason: z.string().optional(),
  parityMaxDiff: z.number().optional(),
  imagesPerSecond: z.number().nullable(),
});

const deviceUseSchema = z.object({ device: z.enum(['gpu', 'cpu', 'none']), by: z.string(), why: z.string().optional() });
const devicesSchema = z.object({ frozenPart: deviceUseSchema, topLayers: deviceUseSchema.optional(), head: deviceUseSchema });

export const runRecordSchema = z.object({
  formatVersion: z.literal(1),
  id: z.string().min(1),
  createdAt: z.string(),
  dataset: z.object({
    root: z.string(),
    classes: z.array(z.string()),
    counts: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
    split: splitSchema,
  }),
  model: z.object({
    source: z.string(),
    name: z.string(),
    key: z.string(),
    format: z.enum(['layers', 'graph']),
    cut: z.string(),
    pooling: z.enum(['avg', 'none']),
    featureDim: z.number().int(),
    preprocessing: preprocessingSchema,
    fineTune: z.object({ split: z.string(), splitShape: z.array(z.number().int()), layers: z.array(z.string()), trainableParams: z.number().int() }).optional(),
    frozenParams: z.number().optional(),
    forwardMflops: z.number().nullable().optional(),
  }),
  config: trainConfigSchema,
  backend: z.object({ name: z.string(), provider: z.string(), reason: z.string() }),
  extractor: extractorSchema,
  devices: devicesSchema.optional(),
  epochs: z.array(epochMetricsSchema),
  bestEpoch: z.number().int(),
  stoppedEarly: z.boolean(),
  evaluation: evaluationSchema,
  timings: timingsSchema,
  cache: z.object({ hits: z.number(), misses: z.number(), dir: z.string() }),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  peakRssMiB: z.number(),
});

// compile-time checks: each schema's output is assignable to and from its interface
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const check = <T extends true>(): T => true as T;
export const runSchemaChecks = [
  check<Same<z.infer<typeof runRecordSchema>, RunRecord>>(),
  check<Same<z.infer<typeof epochMetricsSchema>, EpochMetrics>>(),
  check<Same<z.infer<typeof evaluationSchema>, Evaluation>>(),
  check<Same<z.infer<typeof classMetricsSchema>, ClassMetrics>>(),
  check<Same<z.infer<typeof misclassifiedSchema>, Misclassified>>(),
  check<Same<z.infer<typeof testPredictionSchema>, TestPrediction>>(),
  check<Same<z.infer<typeof timingsSchema>, RunTimings>>(),
  check<Same<z.infer<typeof extractorSchema>, ExtractorRecord>>(),
];
