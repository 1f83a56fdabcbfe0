import type { DatasetImage } from '../../../shared/dataset';
import { fnv1a } from '../../../shared/sampling';
import type { BottleneckCache } from '../cache/bottleneckCache';
import type { FeatureSource } from '../train/trainHead';

/**
 * A split's images as the training loop sees them: features read from the cache on demand.
 * With augmented variants, each epoch draws one of an image's variants (0 is the image
 * itself), the same one for the same seed, epoch and image — so a resumed or repeated run
 * sees what the first saw.
 */
export function cachedFeatureSource(cache: BottleneckCache, images: readonly DatasetImage[], augment?: { variants: number; seed: number }): FeatureSource {
  const hashes = images.map((i) => i.contentHash);
  const k = augment?.variants ?? 0;
  return {
    size: images.length,
    featureDim: cache.featureDim,
    labels: images.map((i) => i.label),
    read: (indices, epoch) => {
      const variants = k > 0 && epoch !== undefined ? indices.map((i) => fnv1a(`${augment!.seed}:${epoch}:${hashes[i]}`) % (k + 1)) : undefined;
      return cache.readBatch(
        indices.map((i) => hashes[i]!),
        variants,
      );
    },
  };
}
