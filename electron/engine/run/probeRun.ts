import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';
import type { RunRecord } from '../../../shared/run';
import { samplePerClass } from '../../../shared/sampling';
import { BottleneckCache } from '../cache/bottleneckCache';
import { scanDataset } from '../dataset/scanDataset';
import { fitLinearProbe, probeAccuracy, type ProbeFit, type ProbeOptions } from '../train/linearProbe';
import { cachedFeatureSource } from './featureSource';

export interface RunProbe {
  /** the probe's accuracy on the run's own test images */
  testAccuracy: number;
  fit: Omit<ProbeFit, 'weights'>;
  counts: { train: number; test: number };
}

/**
 * A linear probe on exactly what a finished run trained and was tested on: the same training
 * images (its images-per-class sample too), the same test images, the same cached features.
 * Nothing is extracted: a feature missing from the cache is an error.
 */
export async function probeRun(record: RunRecord, o: Omit<ProbeOptions, 'classCount'> = {}): Promise<RunProbe> {
  const m = record.model;
  if (m.fineTune)
    throw new TransferLabError(
      'BAD_ARGUMENT',
      `${record.id} fine-tuned layers below its head: a linear probe on its cached features would not compare.`,
      'Probe a run of the head alone.',
    );
  const cache = new BottleneckCache(path.dirname(record.cache.dir), {
    modelKey: m.key,
    cut: m.cut,
    pooling: m.pooling,
    preprocessing: m.preprocessing,
    featureDim: m.featureDim,
  });
  if (cache.dir !== record.cache.dir)
    throw new TransferLabError('BAD_ARGUMENT', `${record.id}'s cache folder ${record.cache.dir} does not match its model and cut.`);
  const scan = await scanDataset(record.dataset.root, { split: record.dataset.split });
  const skipped = new Set(record.skipped.map((s) => s.path));
  const usable = scan.images.filter((i) => !skipped.has(i.relPath));
  const trainAll = usable.filter((i) => i.split === 'train');
  const train = record.config.imagesPerClass === null ? trainAll : samplePerClass(trainAll, record.config.imagesPerClass, record.config.seed);
  const test = usable.filter((i) => i.split === 'test');
  const missing = [...train, ...test].find((i) => !cache.has(i.contentHash));
  if (missing)
    throw new TransferLabError(
      'BAD_ARGUMENT',
      `${missing.relPath} has no cached features in ${cache.dir}.`,
      'Train the run again with the same --cache-dir, then probe it.',
    );
  const { weights, ...fit } = fitLinearProbe(cachedFeatureSource(cache, train), { ...o, classCount: scan.classes.length });
  return { testAccuracy: probeAccuracy({ ...fit, weights }, cachedFeatureSource(cache, test)), fit, counts: { train: train.length, test: test.length } };
}
