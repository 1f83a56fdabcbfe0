import { z } from 'zod';
import { describeExtraction, deviceBecause, madeBecause, runExtractionSchema, type RunExtraction } from './extraction';
import { gpuEngineOf } from './gpuEngines';
import { runDevicesSchema } from './run';

/**
 * Facts about how a run runs, as the engine learns them: which TF.js backend it picked, what
 * runs the frozen part, and where the features came from (extracted now, or the cache). They travel as typed fields of a `facts` event (not as log text),
 * so the run panel, the CLI and a reloaded window read them without parsing a sentence.
 */
export const backendFactsSchema = z.object({ name: z.string(), provider: z.string(), reason: z.string() });

export const extractorFactsSchema = z.object({
  /** onnx (ONNX Runtime), webgpu (`backend` says whose kernels: gpuEngines.ts), fused / graph / layers (TF.js on `backend`) */
  runtime: z.enum(['onnx', 'fused', 'layers', 'graph', 'webgpu']),
  backend: z.string(),
  workers: z.number().int().positive(),
  /** threads of each worker's own runtime (ONNX Runtime); 1 for TF.js */
  threads: z.number().int().positive(),
  /** why a faster runtime was tried and not kept (the parity check, a missing kernel) */
  fallbackReason: z.string().optional(),
  /** the compiled graph and its parity check were read from the cache, not made again */
  compiledFromCache: z.boolean().optional(),
  /** why this device (GPU or CPU) was chosen, where the engine chose it (device auto) */
  deviceReason: z.string().optional(),
});

export const runFactsEventSchema = z.object({
  type: z.literal('facts'),
  backend: backendFactsSchema.optional(),
  /** a later one (a fallback) replaces an earlier one */
  extractor: extractorFactsSchema.optional(),
  /** once the features are there: extracted now, from the cache, or both, and the measured speed */
  extraction: runExtractionSchema.optional(),
  /** at the end: which device ran the frozen part, the top layers and the head, and why no faster one (the record's `devices`) */
  devices: runDevicesSchema.optional(),
});

export type BackendFacts = z.infer<typeof backendFactsSchema>;
export type ExtractorFacts = z.infer<typeof extractorFactsSchema>;
export type RunFactsEvent = z.infer<typeof runFactsEventSchema>;

/**
 * The run panel's "frozen part" line: what runs it, then where the features came from; why it
 * runs there is `frozenPartWhy`, a line of its own under it.
 */
export function describeFrozenPart(extractor: ExtractorFacts | null, extraction: RunExtraction | null): string | null {
  const parts = [extractor ? describeExtractor(extractor, { why: false }) : null, extraction ? describeExtraction(extraction, { why: false }) : null].filter(
    (p): p is string => p !== null,
  );
  return parts.length ? parts.join(' — ') : null;
}

/** why the frozen part runs where it does: this run's choice, else the one its cached features were made by ("CPU because …") */
export function frozenPartWhy(extractor: ExtractorFacts | null, extraction: RunExtraction | null): string | null {
  if (extractor?.deviceReason) return deviceBecause(extractor.runtime === 'webgpu' ? 'gpu' : 'cpu', extractor.deviceReason);
  return extraction?.measurement ? madeBecause(extraction.measurement) : null;
}

/** what runs the frozen part, for people: "ONNX Runtime on the CPU, 2 workers of 1 thread"; with why there unless told not to */
export function describeExtractor(e: ExtractorFacts, o: { why?: boolean } = {}): string {
  const workers = `${e.workers} worker${e.workers > 1 ? 's' : ''}`;
  const tfjs = e.runtime === 'fused' ? 'fused graph' : e.runtime === 'graph' ? 'graph model' : 'model';
  const where =
    e.runtime === 'webgpu'
      ? `${gpuEngineOf(e.backend)}, ${workers}`
      : e.runtime === 'onnx'
        ? `ONNX Runtime on the CPU, ${workers} of ${e.threads} thread${e.threads > 1 ? 's' : ''}`
        : `TF.js ${tfjs} on ${e.backend}, ${workers}`;
  const reused = e.compiledFromCache ? '; the compiled graph and its parity check reused from the cache' : '';
  const choice = e.deviceReason && o.why !== false ? ` (${e.runtime === 'webgpu' ? 'GPU' : 'CPU'}, because ${e.deviceReason})` : '';
  return `${where}${reused}${choice}${e.fallbackReason ? ` (fell back: ${e.fallbackReason})` : ''}`;
}
