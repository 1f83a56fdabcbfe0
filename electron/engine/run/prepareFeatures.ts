import path from 'node:path';
import type { DatasetImage, SkippedFile } from '../../../shared/dataset';
import type { EngineEvent } from '../../../shared/events';
import { extractorFacts, measureExtraction, runMeasurement, type RunExtraction } from '../../../shared/extraction';
import { BottleneckCache } from '../cache/bottleneckCache';
import { ExtractorPool } from '../extract/extractorPool';
import type { ExtractorInfo } from '../extract/poolFacts';
import { planExtraction } from '../extract/memoryBudget';
import type { ExtractorRuntime, JobItem } from '../extract/protocol';
import { augmentParams } from '../images/augment';
import type { BackendPreference } from '../tf/backend';
import type { ResolvedModel } from '../models/resolveModel';
import { cacheSpecOf, type BackbonePlan } from './openBackbone';

export interface PrepareOptions {
  root: string;
  images: DatasetImage[];
  model: ResolvedModel;
  plan: BackbonePlan;
  cacheRoot: string;
  backend: BackendPreference;
  /** whether that TF.js backend runs on a GPU: the device a TF.js extractor's measurement names */
  backendOnGpu?: boolean;
  runtime: ExtractorRuntime;
  workers?: number;
  batchSize?: number;
  onEvent?: (e: EngineEvent) => void;
  signal?: AbortSignal;
  /** augmented variants 1..variants of these (training) images, extracted and cached too */
  augment?: { variants: number; images: DatasetImage[] };
}

export interface PreparedFeatures {
  cache: BottleneckCache;
  hits: number;
  misses: number;
  /** images whose features could not be made: decode failures, named with the reason */
  failed: SkippedFile[];
  extractor: ExtractorInfo | null;
  seconds: number;
  imagesPerSecond: number | null;
  /** where the features came from, and the measured speed that made them (kept with the cache) */
  extraction: RunExtraction;
}

/**
 * Makes sure every image has its bottleneck features in the cache: the frozen network runs
 * only for images the cache has not seen (by content), so a second run extracts nothing.
 */
export async function prepareFeatures(o: PrepareOptions): Promise<PreparedFeatures> {
  const cache = new BottleneckCache(o.cacheRoot, cacheSpecOf(o.model, o.plan));
  await cache.init();
  const seen = new Set<string>();
  const missing: DatasetImage[] = [];
  let hits = 0;
  for (const img of o.images) {
    if (seen.has(img.contentHash)) continue;
    seen.add(img.contentHash);
    if (cache.has(img.contentHash)) hits++;
    else missing.push(img);
  }
  o.onEvent?.({ type: 'log', level: 'info', message: `bottleneck cache: ${hits} of ${seen.size} images already extracted (${cache.dir})` });
  const variantItems: JobItem[] = [];
  let cachedVariants = 0;
  if (o.augment && o.augment.variants > 0) {
    const done = new Set<string>();
    for (const img of o.augment.images) {
      if (done.has(img.contentHash)) continue;
      done.add(img.contentHash);
      for (let k = 1; k <= o.augment.variants; k++) {
        if (cache.has(img.contentHash, k)) continue;
        variantItems.push({
          absPath: path.join(o.root, img.relPath),
          hash: `${img.contentHash}#${k}`,
          file: cache.fileFor(img.contentHash, k),
          augment: augmentParams(img.contentHash, k),
        });
      }
    }
    cachedVariants = done.size * o.augment.variants - variantItems.length;
    o.onEvent?.({
      type: 'log',
      level: 'info',
      message: `augmentation: ${o.augment.variants} variant${o.augment.variants > 1 ? 's' : ''} of each training image, ${cachedVariants} already cached`,
    });
  }
  const cached = hits + cachedVariants;
  if (missing.length === 0 && variantItems.length === 0) {
    // nothing runs: the speed is the one measured when these features were extracted
    const extraction: RunExtraction = { source: 'cache', extracted: 0, cached, measurement: cache.readMeasurement() };
    // the run panel's "frozen part" line: when it ran for these features, and how fast
    o.onEvent?.({ type: 'facts', extraction });
    return { cache, hits, misses: 0, failed: [], extractor: null, seconds: 0, imagesPerSecond: null, extraction };
  }

  const budget = planExtraction({
    items: missing.length + variantItems.length,
    weightsBytes: o.plan.weightsBytes,
    peakActivationFloats: o.plan.peakActivationFloats,
    inputFloats: o.plan.inputFloats,
    ...(o.workers ? { maxWorkers: o.workers } : {}),
    ...(o.batchSize ? { maxBatch: o.batchSize } : {}),
  });
  o.onEvent?.({
    type: 'phase',
    phase: 'extract',
    message: `extracting bottleneck features of ${missing.length} image${missing.length === 1 ? '' : 's'}${variantItems.length ? ` and ${variantItems.length} augmented variants` : ''} (batches of ${budget.batchSize})`,
  });
  const pool = await ExtractorPool.start(
    {
      modelDir: o.model.dir,
      format: o.model.format,
      cut: o.plan.cut,
      pooling: o.plan.pooling,
      preprocessing: o.model.preprocessing,
      backend: o.backend,
      runtime: o.runtime,
      cacheDir: cache.dir,
      featureDim: o.plan.featureDim,
      parityCheck: true,
      // a compiled runtime is checked on the images it is about to extract
      parityImages: missing.slice(0, 4).map((img) => path.join(o.root, img.relPath)),
    },
    {
      workers: budget.workers,
      batchSize: budget.batchSize,
      onBackoff: (size, reason) => o.onEvent?.({ type: 'log', level: 'warn', message: `memory is short (${reason}): extraction batch lowered to ${size}` }),
      ...(o.signal ? { signal: o.signal } : {}),
    },
  );
  try {
    const info = pool.info;
    o.onEvent?.({
      type: 'facts',
      extractor: {
        runtime: info.runtime,
        backend: info.backend,
        workers: info.workers,
        threads: info.threads,
        ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}),
        ...(info.compiledFromCache ? { compiledFromCache: true } : {}),
        ...(info.deviceReason ? { deviceReason: info.deviceReason } : {}),
      },
    });
    const outcome = await pool.extract(
      [...missing.map((img) => ({ absPath: path.join(o.root, img.relPath), hash: img.contentHash, file: cache.fileFor(img.contentHash) })), ...variantItems],
      {
        onProgress: (p) =>
          o.onEvent?.({
            type: 'progress',
            phase: 'extract',
            done: p.done,
            total: p.total,
            unit: 'images',
            perSecond: p.imagesPerSecond,
            etaSeconds: p.etaSeconds,
          }),
        ...(o.signal ? { signal: o.signal } : {}),
      },
    );
    const pathsByHash = new Map<string, string[]>();
    for (const img of o.images) pathsByHash.set(img.contentHash, [...(pathsByHash.get(img.contentHash) ?? []), img.relPath]);
    // a variant of a broken image fails as the image itself does: report the image once
    const failed = outcome.failed
      .filter((f) => !f.hash.includes('#'))
      .flatMap((f) => (pathsByHash.get(f.hash) ?? [f.absPath]).map((p) => ({ path: p, reason: f.reason })));
    const good = outcome.extracted;
    const device = info.runtime === 'webgpu' || (info.runtime !== 'onnx' && o.backendOnGpu) ? 'gpu' : 'cpu';
    const own = good > 0 ? measureExtraction({ images: good, seconds: outcome.seconds, extractor: info.runtime, device, ...extractorFacts(info) }) : null;
    const before = cache.readMeasurement();
    if (own) cache.keepMeasurement(own);
    const extraction: RunExtraction = { source: cached > 0 ? 'mixed' : 'extracted', extracted: good, cached, measurement: runMeasurement(own, before) };
    o.onEvent?.({ type: 'facts', extraction });
    // the run's own figure only when it timed enough images: 11 images say little about a model
    return {
      cache,
      hits,
      misses: missing.length,
      failed,
      extractor: info,
      seconds: outcome.seconds,
      imagesPerSecond: own?.imagesPerSecond ?? null,
      extraction,
    };
  } finally {
    await pool.close();
  }
}
