import { z } from 'zod';
import { gpuEngineOf } from './gpuEngines';
import type { RunRecord } from './run';

/**
 * One extraction speed per model. The frozen part runs once per image, so most runs read
 * every feature from the bottleneck cache and extract nothing: timing *those* gives "0.0 s"
 * and no speed. The cache therefore keeps, beside its features, the measurement of the
 * extraction that made them, and every run, cached or not, carries the measurement its
 * features came from. Every place that shows an extraction speed formats it here.
 */
export const extractionMeasurementSchema = z.object({
  /** images (augmented variants included) the frozen part ran on */
  images: z.number().int(),
  /** the extraction itself, without starting the workers */
  seconds: z.number(),
  /** null when too few images were extracted to time (see minTimedImages) */
  imagesPerSecond: z.number().nullable(),
  measuredAt: z.string(),
  /** what ran the frozen part: onnx, webgpu, or TF.js's fused / layers / graph */
  extractor: z.string(),
  device: z.enum(['cpu', 'gpu']),
  /**
   * why that device: the choice's own reason (on the CPU, why not the GPU) and a fallback's, so
   * a run that reads every feature from the cache can still say why they were made where they
   * were; absent where the extraction gave none, and in caches written before it was kept
   */
  reason: z.string().optional(),
  /** who ran a `webgpu` extraction (shared/gpuEngines.ts): our WGSL kernels or TF.js's; absent before it was kept */
  engine: z.string().optional(),
});
export type ExtractionMeasurement = z.infer<typeof extractionMeasurementSchema>;

export const runExtractionSchema = z.object({
  /** extracted: every feature by this run; cache: none; mixed: some of each */
  source: z.enum(['extracted', 'cache', 'mixed']),
  /** images (and augmented variants) this run extracted itself */
  extracted: z.number().int(),
  /** features this run read from the cache */
  cached: z.number().int(),
  /**
   * the measurement this run's speed comes from: its own when it extracted enough images to
   * time, else the one the cache kept (the original extraction of a cached run); null when
   * the features were extracted before the cache kept a measurement
   */
  measurement: extractionMeasurementSchema.nullable(),
});
export type RunExtraction = z.infer<typeof runExtractionSchema>;

/**
 * Below this many images a speed says more about the workers' first batch (caches warming,
 * a batch half full) than about the model: 11 images measured 29 images/s where 768 measured 64.
 */
export const minTimedImages = 32;

export function measureExtraction(o: {
  images: number;
  seconds: number;
  extractor: string;
  device: 'cpu' | 'gpu';
  measuredAt?: string;
  reason?: string;
  engine?: string;
}): ExtractionMeasurement {
  const timed = o.images >= minTimedImages && o.seconds > 0;
  return {
    images: o.images,
    seconds: o.seconds,
    imagesPerSecond: timed ? o.images / o.seconds : null,
    measuredAt: o.measuredAt ?? new Date().toISOString(),
    extractor: o.extractor,
    device: o.device,
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.engine ? { engine: o.engine } : {}),
  };
}

/**
 * What a measurement keeps of the extractor that made it: why it ran on its device (the choice's
 * reason, then a fallback's), and for the GPU, whose kernels ran
 */
export function extractorFacts(x: { runtime: string; backend: string; deviceReason?: string; fallbackReason?: string }): { reason?: string; engine?: string } {
  const parts = [x.deviceReason, x.fallbackReason ? `fell back: ${x.fallbackReason}` : undefined].filter((p): p is string => !!p);
  return { ...(parts.length ? { reason: parts.join('; ') } : {}), ...(x.runtime === 'webgpu' ? { engine: gpuEngineOf(x.backend) } : {}) };
}

/** "; CPU because …" after a kept extraction's figures, where it kept why */
/** why a part ran on the device it ran on, the one way it is said: "CPU because no GPU adapter: …" */
export const deviceBecause = (device: string, reason: string) => `${device.toUpperCase()} because ${reason}`;
/** why the features were made on that device (null where the cache did not keep it) */
export const madeBecause = (m: ExtractionMeasurement): string | null => (m.reason ? deviceBecause(m.device, m.reason) : null);
export const measuredBecause = (m: ExtractionMeasurement): string => (m.reason ? `; ${madeBecause(m)}` : '');

/**
 * What the cache keeps when a later run extracts more for the same key: the measurement of
 * the larger extraction (the newer one on a tie). A running total was the other choice; it
 * would blend runs made by different extractors (ONNX Runtime, a TF.js fallback, WebGPU) into
 * a rate none of them ran at, and "extracted once: 12 s" would name no extraction that
 * happened. The larger extraction is the steadiest rate and the one that made most features.
 */
export function keptMeasurement(kept: ExtractionMeasurement | null, fresh: ExtractionMeasurement | null): ExtractionMeasurement | null {
  if (!kept) return fresh;
  if (!fresh) return kept;
  return fresh.images >= kept.images ? fresh : kept;
}

/** the speed this run reports: its own measurement when timed, else the one the cache kept */
export function runMeasurement(own: ExtractionMeasurement | null, cached: ExtractionMeasurement | null): ExtractionMeasurement | null {
  if (own?.imagesPerSecond) return own;
  if (cached?.imagesPerSecond) return cached;
  return own ?? cached;
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

const rate = (ips: number) => (ips >= 100 ? String(Math.round(ips)) : ips.toFixed(1));
/** milliseconds to the precision a reader can use: "156", "15.6", "0.043" (a head, or a GPU, can take well under one) */
export const formatMs = (x: number) => (x >= 100 ? String(Math.round(x)) : x >= 1 ? x.toFixed(1) : x.toPrecision(2));
const ms = (ips: number) => formatMs(1000 / ips);

/**
 * A model's speed, the one way the app writes it: "64.0 images/s (15.6 ms an image)". The
 * two figures are one measurement read two ways, so a card and a table never disagree.
 */
export function formatSpeed(m: Pick<ExtractionMeasurement, 'imagesPerSecond' | 'images'> | null | undefined): string {
  if (!m) return 'not measured yet';
  if (!m.imagesPerSecond) return `too few images to time (${m.images})`;
  return `${rate(m.imagesPerSecond)} images/s (${ms(m.imagesPerSecond)} ms an image)`;
}

/** the time per image alone, for a table column headed "ms an image" */
export function formatMsPerImage(m: Pick<ExtractionMeasurement, 'imagesPerSecond'> | null | undefined): string {
  return m?.imagesPerSecond ? ms(m.imagesPerSecond) : '—';
}

const plural = (n: number, one: string) => `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;
/** "12 s for 768 images, 64.0 images/s (15.6 ms an image)" */
export const extractionTiming = (m: ExtractionMeasurement) =>
  `${formatSeconds(m.seconds)} for ${plural(m.images, 'image')}, ${m.imagesPerSecond ? formatSpeed(m) : 'too few to time'}`;

/** when the cache's features were made, by what and how fast: "extracted once by ONNX Runtime (CPU): 12 s for 768 images, …" */
export const extractedOnce = (m: ExtractionMeasurement) =>
  `extracted once by ${extractorName(m.extractor, undefined, m.engine)}${m.extractor === 'webgpu' ? '' : ` (${m.device.toUpperCase()})`}: ${extractionTiming(m)}`;

/**
 * A run's extraction in one line, e.g. "extracted once by ONNX Runtime (CPU): 12 s for 768
 * images, 64.0 images/s (15.6 ms an image); reused since; CPU because no GPU adapter: …" for a
 * run whose every feature came from the cache. A run that extracted says its device and why in
 * its extractor's line, so this leaves that out.
 */
export function describeExtraction(x: RunExtraction, o: { why?: boolean } = {}): string {
  const m = x.measurement;
  if (x.source === 'cache')
    return m
      ? `${extractedOnce(m)}; reused since${o.why === false ? '' : measuredBecause(m)}`
      : 'every feature from the cache (extracted before the cache kept its time)';
  if (x.source === 'extracted') {
    if (!m) return `extracted now: ${plural(x.extracted, 'image')}`;
    if (m.images === x.extracted) return `extracted now: ${extractionTiming(m)}`;
    // too few to time: the speed is the cache's, measured on an earlier, larger extraction
    return `extracted now: ${plural(x.extracted, 'image')}, too few to time; ${m.imagesPerSecond ? formatSpeed(m) : 'not timed'} on ${m.images.toLocaleString('en-US')} earlier`;
  }
  const speed = m?.imagesPerSecond ? `; ${formatSpeed(m)}` : '';
  return `${plural(x.extracted, 'image')} extracted now, ${x.cached.toLocaleString('en-US')} reused from the cache${speed}`;
}

/** a table cell: the extraction's time, and whether it was this run's or reused */
export function extractionCell(x: RunExtraction): string {
  const m = x.measurement;
  if (x.source === 'cache') return m ? `${formatSeconds(m.seconds)} once, reused` : 'reused';
  if (x.source === 'extracted') return m && m.images === x.extracted ? formatSeconds(m.seconds) : m ? `${plural(x.extracted, 'image')} now` : '–';
  return `${plural(x.extracted, 'image')} now, rest reused`;
}

/**
 * A run's extraction, from its record; a run.json written before the record carried it reads
 * as well as it can: its own extraction when it extracted, no measurement when it did not.
 */
export function extractionOf(r: Pick<RunRecord, 'extraction' | 'extractor' | 'cache' | 'timings'>): RunExtraction {
  if (r.extraction) return r.extraction;
  const source = r.cache.misses === 0 ? 'cache' : r.cache.hits === 0 ? 'extracted' : 'mixed';
  const ips = r.extractor.imagesPerSecond;
  const measurement: ExtractionMeasurement | null =
    r.extractor.runtime === 'cache' || r.cache.misses === 0
      ? null
      : {
          images: r.cache.misses,
          seconds: r.timings.extractSeconds,
          imagesPerSecond: ips && r.cache.misses >= minTimedImages ? ips : null,
          measuredAt: '',
          extractor: r.extractor.runtime,
          device: r.extractor.runtime === 'webgpu' ? 'gpu' : 'cpu',
        };
  return { source, extracted: r.cache.misses, cached: r.cache.hits, measurement };
}

/**
 * One speed for a model among runs: the measurement of its largest extraction, the one the
 * cache keeps (so the Experiments table, the report and the model cards name one figure).
 */
export function modelSpeed(runs: readonly Pick<RunRecord, 'extraction' | 'extractor' | 'cache' | 'timings' | 'createdAt'>[]): ExtractionMeasurement | null {
  let timed: ExtractionMeasurement | null = null;
  let untimed: ExtractionMeasurement | null = null;
  for (const r of [...runs].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    const m = extractionOf(r).measurement;
    if (m?.imagesPerSecond) timed = keptMeasurement(timed, m);
    else if (m) untimed = keptMeasurement(untimed, m);
  }
  // a figure "too few images to time" says more than none
  return timed ?? untimed;
}

/** ONNX Runtime's threads as a name says them: " (2 threads)", nothing when not known */
export const onnxThreads = (threads?: number): string => (threads ? ` (${plural(threads, 'thread')})` : '');

/** what ran the frozen part, in words */
export function extractorName(runtime: string, threads?: number, backend?: string): string {
  // on a GPU, whose kernels: a record's backend names them (a record from before says TF.js's)
  if (runtime === 'webgpu') return gpuEngineOf(backend ?? '');
  const names: Record<string, string> = {
    onnx: `ONNX Runtime${onnxThreads(threads)}`,
    fused: 'TF.js (fused graph)',
    layers: 'TF.js',
    tfjs: 'TF.js',
    graph: 'TF.js (graph model)',
    cache: 'nothing: every feature came from the cache',
  };
  return names[runtime] ?? runtime;
}

/**
 * Where a run's frozen part ran and at what speed: "ONNX Runtime (2 threads), 64.0 images/s
 * (15.6 ms an image)"; for a cached run, the extraction its features came from.
 */
export function frozenPartLabel(r: Pick<RunRecord, 'extraction' | 'extractor' | 'cache' | 'timings'>): string {
  const x = extractionOf(r);
  const m = x.measurement;
  if (x.source === 'cache')
    return m ? `nothing now; extracted once by ${extractorName(m.extractor, undefined, m.engine)}, ${formatSpeed(m)}` : extractorName('cache');
  return `${extractorName(r.extractor.runtime, r.extractor.threads, r.extractor.backend)}${m ? `, ${formatSpeed(m)}` : ''}`;
}
