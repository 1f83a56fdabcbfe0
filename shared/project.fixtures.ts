import { defaultPreprocessing } from './preprocessing';
import { defaultTrainConfig, type RunRecord } from './run';

/** A small but complete run record, as training writes it, for project-file tests. */
export function sampleRunRecord(id = '20260101-120000Z-mobilenet-v2'): RunRecord {
  const classes = ['cat', 'dog'];
  return {
    formatVersion: 1,
    id,
    createdAt: '2026-01-01T12:00:00.000Z',
    dataset: { root: '/data/pets', classes, counts: { train: 14, val: 2, test: 4 }, split: { val: 0.1, test: 0.2 } },
    model: {
      source: 'mobilenet_v2_100_224',
      name: 'MobileNet V2 1.0 224',
      key: 'mobilenet_v2_100_224',
      format: 'layers',
      cut: 'global_average_pooling2d_1',
      pooling: 'avg',
      featureDim: 1280,
      preprocessing: { ...defaultPreprocessing, range: [-1, 1] },
    },
    config: structuredClone(defaultTrainConfig),
    backend: { name: 'cpu', provider: 'tfjs-backend-cpu', reason: 'the default' },
    extractor: { runtime: 'tfjs', backend: 'cpu', workers: 1, batchSize: 16, imagesPerSecond: 40.5 },
    epochs: [
      { epoch: 1, loss: 0.69, accuracy: 0.5, valLoss: 0.6, valAccuracy: 0.5, seconds: 0.2, samplesPerSecond: 70 },
      { epoch: 2, loss: 0.4, accuracy: 0.86, valLoss: 0.35, valAccuracy: 1, seconds: 0.2, samplesPerSecond: 72 },
    ],
    bestEpoch: 2,
    stoppedEarly: false,
    evaluation: {
      accuracy: 0.75,
      confusionMatrix: [
        [2, 0],
        [1, 1],
      ],
      classes,
      perClass: [
        { className: 'cat', precision: 2 / 3, recall: 1, f1: 0.8, support: 2 },
        { className: 'dog', precision: 1, recall: 0.5, f1: 2 / 3, support: 2 },
      ],
      macroF1: 0.7333,
      misclassified: [{ path: 'dog/3.jpg', trueClass: 'dog', predictedClass: 'cat', confidence: 0.61 }],
      predictions: [
        { path: 'cat/1.jpg', trueLabel: 0, predictedLabel: 0, confidence: 0.9 },
        { path: 'cat/2.jpg', trueLabel: 0, predictedLabel: 0, confidence: 0.8 },
        { path: 'dog/3.jpg', trueLabel: 1, predictedLabel: 0, confidence: 0.61 },
        { path: 'dog/4.jpg', trueLabel: 1, predictedLabel: 1, confidence: 0.7 },
      ],
      testCount: 4,
    },
    timings: { scanSeconds: 0.1, modelLoadSeconds: 1.2, extractSeconds: 3.4, trainSeconds: 0.4, evaluateSeconds: 0.1, totalSeconds: 5.2 },
    cache: { hits: 0, misses: 20, dir: '/tmp/cache' },
    skipped: [{ path: 'notes.txt', reason: 'not an image' }],
    peakRssMiB: 512,
  };
}
