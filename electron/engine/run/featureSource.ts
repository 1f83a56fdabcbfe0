import type { DatasetImage } from '../../../shared/dataset';
import type { BottleneckCache } from '../cache/bottleneckCache';
import type { FeatureSource } from '../train/trainHead';

/** A split's images as the training loop sees them: features read from the cache on demand. */
export function cachedFeatureSource(cache: BottleneckCache, images: readonly DatasetImage[]): FeatureSource {
  const hashes = images.map((i) => i.contentHash);
  return {
    size: images.length,
    featureDim: cache.featureDim,
    labels: images.map((i) => i.label),
    read: (indices) => cache.readBatch(indices.map((i) => hashes[i]!)),
  };
}
