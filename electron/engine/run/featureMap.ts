import type { EngineEvent } from '../../../shared/events';
import { featureMapMaxPoints, featureMapSample, type FeatureMap } from '../../../shared/featureMap';
import { initBackend, type BackendPreference } from '../tf/backend';
import { rescanRunDataset, runBackbone, runCacheRoot } from './evaluateRun';
import { cachedFeatureSource } from './featureSource';
import { prepareFeatures } from './prepareFeatures';
import { principalPlane } from './principalPlane';
import { readRun } from './runFolder';

export interface FeatureMapOptions {
  backend?: BackendPreference;
  cacheDir?: string;
  maxPoints?: number;
  onEvent?: (e: EngineEvent) => void;
  signal?: AbortSignal;
}

/**
 * What the run's frozen part makes of its images, as a picture: the features of up to
 * `maxPoints` of the dataset's images (every class its share, test images first), from the
 * bottleneck cache the run filled — so a map extracts nothing after a run, and only what is
 * missing otherwise — in the plane of their first two principal components. Test images carry
 * what the run called them.
 */
export async function featureMap(runDir: string, o: FeatureMapOptions = {}): Promise<FeatureMap> {
  const record = readRun(runDir);
  const emit = o.onEvent ?? (() => undefined);
  const backend = await initBackend(o.backend ?? 'auto');
  const scan = await rescanRunDataset(record, emit, o.signal);
  const { model, plan } = await runBackbone(record, emit);
  const chosen = featureMapSample(scan.images, scan.classes.length, o.maxPoints ?? featureMapMaxPoints);
  const features = await prepareFeatures({
    root: scan.root,
    images: chosen,
    model,
    plan,
    cacheRoot: runCacheRoot(record, o.cacheDir),
    backend: backend.name,
    backendOnGpu: backend.gpu,
    runtime: 'auto',
    onEvent: emit,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const failed = new Set(features.failed.map((f) => f.path));
  const images = chosen.filter((i) => !failed.has(i.relPath));
  const source = cachedFeatureSource(features.cache, images, undefined, 0);
  const dim = source.featureDim;
  const rows = source.read(images.map((_, i) => i));
  const { coords, explained } = await principalPlane(rows, images.length, dim);
  const predicted = new Map(record.evaluation.predictions.map((p) => [p.path, p.predictedLabel]));
  return {
    layer: record.model.fineTune?.split ?? record.model.cut,
    featureDim: dim,
    explained,
    datasetImages: scan.images.length,
    failed: failed.size,
    points: images.map((img, i) => {
      const said = img.split === 'test' ? predicted.get(img.relPath) : undefined;
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
