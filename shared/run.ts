import { z } from 'zod';
import { classMetricsSchema } from './metrics';
import { skippedFileSchema, splitSchema } from './dataset';
import { modelFormatSchema } from './model';
import { preprocessingSchema } from './preprocessingSchema';
import { trainConfigSchema } from './trainConfig';
import { runExtractionSchema } from './extraction';

export { defaultTrainConfig, trainConfigSchema, type HeadConfig, type TrainConfig } from './trainConfig';

/**
 * What a training run records (`run.json`): checked when a run folder is read or a project
 * holding it is opened, instead of failing later in a chart.
 */

// JSON has no NaN: a diverged epoch's loss is written as null. Reading it back as NaN keeps
// the run (and the project holding it) loadable, and the chart shows the gap it really was.
// NaN itself is accepted too: Electron's IPC (structured clone) carries it unchanged.
const lossValue = z.union([z.number(), z.nan(), z.null().transform(() => Number.NaN)]);

export const epochMetricsSchema = z.object({
  epoch: z.number().int(),
  loss: lossValue,
  accuracy: lossValue,
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  seconds: z.number(),
  samplesPerSecond: z.number(),
});
export type EpochMetrics = z.infer<typeof epochMetricsSchema>;

export const misclassifiedSchema = z.object({
  path: z.string(),
  trueClass: z.string(),
  predictedClass: z.string(),
  confidence: z.number(),
});
export type Misclassified = z.infer<typeof misclassifiedSchema>;

/** one test image's outcome: what a click on a confusion-matrix cell shows */
export const testPredictionSchema = z.object({
  path: z.string(),
  trueLabel: z.number().int(),
  predictedLabel: z.number().int(),
  confidence: z.number(),
});
export type TestPrediction = z.infer<typeof testPredictionSchema>;

/** a run's answer on a photo from outside its dataset: its classes, most likely first, or why it has none */
export const photoPredictionSchema = z.union([
  z.object({ file: z.string(), top: z.array(z.object({ className: z.string(), probability: z.number() })) }),
  z.object({ file: z.string(), error: z.string() }),
]);
export type PhotoPrediction = z.infer<typeof photoPredictionSchema>;

export const evaluationSchema = z.object({
  accuracy: z.number(),
  confusionMatrix: z.array(z.array(z.number())),
  classes: z.array(z.string()),
  perClass: z.array(classMetricsSchema),
  macroF1: z.number(),
  misclassified: z.array(misclassifiedSchema),
  /** every test image, in test-split order */
  predictions: z.array(testPredictionSchema),
  testCount: z.number().int(),
});
export type Evaluation = z.infer<typeof evaluationSchema>;

export const runTimingsSchema = z.object({
  scanSeconds: z.number(),
  modelLoadSeconds: z.number(),
  extractSeconds: z.number(),
  trainSeconds: z.number(),
  evaluateSeconds: z.number(),
  totalSeconds: z.number(),
});

/** where a fine-tuned run split the network: the cache holds `split`'s output; `layers` trained */
export const fineTuneRecordSchema = z.object({
  split: z.string(),
  splitShape: z.array(z.number().int()),
  /** the layers with weights above the split that trained (BatchNorm stayed frozen) */
  layers: z.array(z.string()),
  trainableParams: z.number().int(),
});
export type FineTuneRecord = z.infer<typeof fineTuneRecordSchema>;

export const extractorRecordSchema = z.object({
  /** onnx (ONNX Runtime), fused / layers / graph (TF.js), or cache (nothing was extracted) */
  runtime: z.string(),
  backend: z.string(),
  workers: z.number(),
  /** threads of ONNX Runtime in each worker; 1 for TF.js */
  threads: z.number().optional(),
  batchSize: z.number(),
  fallbackReason: z.string().optional(),
  /** why the frozen part ran on this device, where `auto` weighed the GPU: no adapter, a software one, parity, or the two speeds */
  deviceReason: z.string().optional(),
  /** largest difference from the plain TF.js model in the parity check, relative to the features' scale */
  parityMaxDiff: z.number().optional(),
  /** the compiled graph and its parity verdict (parityMaxDiff) came from an earlier run's check, kept in the cache */
  compiledFromCache: z.boolean().optional(),
  imagesPerSecond: z.number().nullable(),
});

/** Where one part of a run ran: the device, what ran it, and why no faster one did. */
export const deviceUseSchema = z.object({
  device: z.enum(['gpu', 'cpu', 'none']),
  /** the runtime or package that ran it */
  by: z.string(),
  /** why a faster device was not used (absent when it ran on the GPU) */
  why: z.string().optional(),
});
export type DeviceUse = z.infer<typeof deviceUseSchema>;

export const runDevicesSchema = z.object({
  frozenPart: deviceUseSchema,
  /** the fine-tuned top layers, when there are any */
  topLayers: deviceUseSchema.optional(),
  head: deviceUseSchema,
});
export type RunDevices = z.infer<typeof runDevicesSchema>;

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
    format: modelFormatSchema,
    cut: z.string(),
    pooling: z.enum(['avg', 'none']),
    featureDim: z.number().int(),
    preprocessing: preprocessingSchema,
    fineTune: fineTuneRecordSchema.optional(),
    frozenParams: z.number().optional(),
    forwardMflops: z.number().nullable().optional(),
  }),
  config: trainConfigSchema,
  backend: z.object({ name: z.string(), provider: z.string(), reason: z.string() }),
  extractor: extractorRecordSchema,
  /** where the features came from and the measured speed that made them (absent in older runs: see extractionOf) */
  extraction: runExtractionSchema.optional(),
  /** which device ran each part (absent in runs made before it was recorded) */
  devices: runDevicesSchema.optional(),
  epochs: z.array(epochMetricsSchema),
  bestEpoch: z.number().int(),
  stoppedEarly: z.boolean(),
  evaluation: evaluationSchema,
  timings: runTimingsSchema,
  cache: z.object({ hits: z.number(), misses: z.number(), dir: z.string() }),
  skipped: z.array(skippedFileSchema),
  peakRssMiB: z.number(),
  /**
   * the engine process's resident memory when the run began, MiB. The peak above is the
   * process's, so it includes this: the libraries, and what earlier work in the same process
   * left (a fine-tuned run's wasm heap is never given back: a head-only run after one showed
   * 566 MiB in the app where it shows 298 in a fresh command). Absent in runs made before it was kept.
   */
  rssAtStartMiB: z.number().optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;
