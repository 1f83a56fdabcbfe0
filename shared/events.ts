import { z } from 'zod';
import { runExtractionSchema } from './extraction';
import { classMetricsSchema } from './metrics';
import { skippedFileSchema } from './dataset';
import { epochMetricsSchema, extractorRecordSchema, misclassifiedSchema, runDevicesSchema, runTimingsSchema } from './run';
import { runFactsEventSchema } from './runFacts';

/** What the engine streams while it works: the CLI prints it, the app draws it. */
export const phaseSchema = z.enum(['scan', 'download', 'load-model', 'extract', 'train', 'evaluate', 'save', 'export', 'parity']);

export const phaseEventSchema = z.object({ type: z.literal('phase'), phase: phaseSchema, message: z.string() });
export type PhaseEvent = z.infer<typeof phaseEventSchema>;

export const progressEventSchema = z.object({
  type: z.literal('progress'),
  phase: phaseSchema,
  done: z.number(),
  total: z.number(),
  unit: z.enum(['files', 'images', 'samples', 'bytes']),
  perSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  /** extra figures worth showing beside the bar, e.g. epoch 3/10 */
  detail: z.string().optional(),
  /** the engine's memory and live tensors as it goes: shown during extraction too, before any epoch */
  rssMiB: z.number().optional(),
  numTensors: z.number().optional(),
});
export type ProgressEvent = z.infer<typeof progressEventSchema>;

/** an epoch's figures as the run records them, with the planned epochs and the engine's memory */
export const epochEventSchema = epochMetricsSchema.extend({
  type: z.literal('epoch'),
  epochs: z.number(),
  rssMiB: z.number(),
  numTensors: z.number(),
});
export type EpochEvent = z.infer<typeof epochEventSchema>;

export const logEventSchema = z.object({ type: z.literal('log'), level: z.enum(['info', 'warn']), message: z.string() });
export type LogEvent = z.infer<typeof logEventSchema>;

export type { RunFactsEvent } from './runFacts';

/** how the run runs (backend, extractor) comes as typed facts: shared/runFacts.ts */
export const engineEventSchema = z.discriminatedUnion('type', [phaseEventSchema, progressEventSchema, epochEventSchema, logEventSchema, runFactsEventSchema]);
export type EngineEvent = z.infer<typeof engineEventSchema>;

/** The last line of `transfer-lab train --json`. */
export const trainResultLineSchema = z.object({
  type: z.literal('result'),
  runDir: z.string(),
  backend: z.string(),
  extractor: extractorRecordSchema,
  /** which device ran the frozen part, the top layers and the head, and why no faster one */
  devices: runDevicesSchema.optional(),
  /** where the features came from and the measured extraction that made them (a cached run: the original one) */
  extraction: runExtractionSchema,
  classes: z.array(z.string()),
  counts: z.object({ train: z.number(), val: z.number(), test: z.number() }),
  skipped: z.array(skippedFileSchema),
  testAccuracy: z.number(),
  confusionMatrix: z.array(z.array(z.number())),
  perClass: z.array(classMetricsSchema),
  misclassified: z.array(misclassifiedSchema),
  epochs: z.array(epochMetricsSchema),
  bestEpoch: z.number(),
  timings: runTimingsSchema,
  cache: z.object({ hits: z.number(), misses: z.number() }),
  peakRssMiB: z.number(),
  /** what the process held when the run began (the run record's rssAtStartMiB) */
  rssAtStartMiB: z.number().optional(),
});
export type TrainResultLine = z.infer<typeof trainResultLineSchema>;
