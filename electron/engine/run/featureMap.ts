import * as tf from '@tensorflow/tfjs-core';
import type { EngineEvent } from '../../../shared/events';
import { featureMapMaxPoints, featureMapSample, type FeatureMap } from '../../../shared/featureMap';
import { initBackend, type BackendPreference } from '../tf/backend';
import { rescanRunDataset, runBackbone, runCacheRoot } from './evaluateRun';
import { cachedFeatureSource } from './featureSource';
import { prepareFeatures } from './prepareFeatures';
import { principalPlane } from './principalPlane';
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
  const { rows, dim } = await headInputs(await readNet(runDir, record), source);
  const { coords, explained } = await principalPlane(rows, images.length, dim);
  const predicted = new Map(record.evaluation.predictions.map((p) => [p.path, p.predictedLabel]));
  return {
    layer: record.model.cut,
    ...(record.model.fineTune?.layers.length ? { fineTuned: record.model.fineTune.layers.length } : {}),
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
