import * as tf from '@tensorflow/tfjs-core';
import type { EngineEvent } from '../../../shared/events';
import type { DatasetScan } from '../../../shared/dataset';
import { featureMapMaxPoints, featureMapPreviewPoints, featureMapSample, type FeatureMap } from '../../../shared/featureMap';
import type { ResolvedModel } from '../models/resolveModel';
import { bottleneckCacheDir } from '../paths';
import { planBackbone, type BackbonePlan } from './openBackbone';
import { initBackend, type BackendPreference } from '../tf/backend';
import { rescanRunDataset, runBackbone, runCacheRoot } from './evaluateRun';
import { cachedFeatureSource } from './featureSource';
import { prepareFeatures } from './prepareFeatures';
import { principalPlane, type PrincipalPlane } from './principalPlane';
import { readNet, readRun } from './runFolder';
import type { ClassifierNet } from '../train/net';
import type { FeatureSource } from '../train/trainHead';

export interface FeatureMapOptions {
  backend?: BackendPreference;
  cacheDir?: string;
  maxPoints?: number;
  onEvent?: (e: EngineEvent) => void;
  signal?: AbortSignal;
}

/**
 * Every image's features as the run's head is given them: the cached features themselves, or,
 * where the run fine-tuned top layers, those layers' (pooled) output for them.
 */
async function headInputs(net: ClassifierNet, source: FeatureSource): Promise<{ rows: Float32Array; dim: number }> {
  const parts: Float32Array[] = [];
  let dim = source.featureDim;
  try {
    for (let start = 0; start < source.size; start += 256) {
      const idx = Array.from({ length: Math.min(256, source.size - start) }, (_, i) => start + i);
      const y = tf.tidy(() => net.headInput(tf.tensor2d(source.read(idx), [idx.length, source.featureDim])));
      dim = y.shape[1];
      parts.push((await y.data()) as Float32Array);
      y.dispose();
    }
  } finally {
    net.dispose();
  }
  const rows = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    rows.set(p, at);
    at += p.length;
  }
  return { rows, dim };
}

interface Placing {
  scan: DatasetScan;
  model: ResolvedModel;
  plan: BackbonePlan;
  cacheRoot: string;
  maxPoints: number;
  o: FeatureMapOptions;
  /** what turns the cached features into what is drawn: a run's net (its head's input); none: the features as they are */
  net?: () => Promise<ClassifierNet>;
  /** what the run called each test image, by path */
  predicted?: ReadonlyMap<string, number>;
}

/** the chosen images' features, from the cache or extracted, in the plane of their first two principal components (and that plane) */
async function placeImages(p: Placing): Promise<Omit<FeatureMap, 'layer' | 'fineTuned'> & { basis: PrincipalPlane['basis'] }> {
  const emit = p.o.onEvent ?? (() => undefined);
  const backend = await initBackend(p.o.backend ?? 'auto');
  const chosen = featureMapSample(p.scan.images, p.scan.classes.length, p.maxPoints);
  const features = await prepareFeatures({
    root: p.scan.root,
    images: chosen,
    model: p.model,
    plan: p.plan,
    cacheRoot: p.cacheRoot,
    backend: backend.name,
    backendOnGpu: backend.gpu,
    runtime: 'auto',
    onEvent: emit,
    ...(p.o.signal ? { signal: p.o.signal } : {}),
  });
  const failed = new Set(features.failed.map((f) => f.path));
  const images = chosen.filter((i) => !failed.has(i.relPath));
  const source = cachedFeatureSource(features.cache, images, undefined, 0);
  const { rows, dim } = p.net ? await headInputs(await p.net(), source) : { rows: source.read(images.map((_, i) => i)), dim: source.featureDim };
  const { coords, explained, basis } = await principalPlane(rows, images.length, dim);
  return {
    basis,
    featureDim: dim,
    explained,
    datasetImages: p.scan.images.length,
    failed: failed.size,
    points: images.map((img, i) => {
      const said = img.split === 'test' ? p.predicted?.get(img.relPath) : undefined;
      return {
        path: img.relPath,
        label: img.label,
        split: img.split,
        x: coords[i * 2]!,
        y: coords[i * 2 + 1]!,
        ...(said === undefined ? {} : { predicted: said }),
      };
    }),
  };
}

/**
 * What the run's head is given for its images, as a picture: the features of up to
 * `maxPoints` of the dataset's images (every class its share, test images first), from the
 * bottleneck cache the run filled — so a map extracts nothing after a run, and only what is
 * missing otherwise — in the plane of their first two principal components. Test images carry
 * what the run called them.
 */
export async function featureMap(runDir: string, o: FeatureMapOptions = {}): Promise<FeatureMap> {
  const record = readRun(runDir);
  const emit = o.onEvent ?? (() => undefined);
  const scan = await rescanRunDataset(record, emit, o.signal);
  const { model, plan } = await runBackbone(record, emit);
  const { basis, ...placed } = await placeImages({
    scan,
    model,
    plan,
    cacheRoot: runCacheRoot(record, o.cacheDir),
    maxPoints: o.maxPoints ?? featureMapMaxPoints,
    o,
    net: () => readNet(runDir, record),
    predicted: new Map(record.evaluation.predictions.map((p) => [p.path, p.predictedLabel])),
  });
  drawn.delete(runDir);
  drawn.set(runDir, basis);
  if (drawn.size > drawnKept) drawn.delete(drawn.keys().next().value!);
  return {
    layer: record.model.cut,
    ...(record.model.fineTune?.layers.length ? { fineTuned: record.model.fineTune.layers.length } : {}),
    ...placed,
  };
}

/** the planes of the runs' maps drawn in this process, the latest last: a camera's frame is placed in the one its run's map shows */
const drawn = new Map<string, PrincipalPlane['basis']>();
const drawnKept = 8;

/** the plane of the map last drawn for this run in this process, or null */
export function drawnPlane(runDir: string): PrincipalPlane['basis'] | null {
  return drawn.get(runDir) ?? null;
}

/**
 * Before any run: what a head would be given if the network were cut at `cut` (null: the
 * model's own default), for up to `maxPoints` of a scanned dataset's images. The features are
 * extracted into the bottleneck cache a run at that cut reads, so a run there later starts with
 * them.
 */
export async function cutFeatureMap(scan: DatasetScan, model: ResolvedModel, cut: string | null, o: FeatureMapOptions = {}): Promise<FeatureMap> {
  const plan = await planBackbone(model, cut ?? model.catalog?.defaultCut);
  const { basis: _, ...placed } = await placeImages({
    scan,
    model,
    plan,
    cacheRoot: o.cacheDir ?? bottleneckCacheDir(),
    maxPoints: o.maxPoints ?? featureMapPreviewPoints,
    o,
  });
  return { layer: plan.cut, ...placed };
}
