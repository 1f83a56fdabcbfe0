import type { DatasetScan } from '../../../shared/dataset';
import { defaultTrainConfig } from '../../../shared/run';
import type { ModelInspection, RunRecord } from '../api/types';

/** Small, complete engine answers for store tests. */
export function sampleScan(root = '/data/pets'): DatasetScan {
  const images = ['cat/1.jpg', 'cat/2.jpg', 'cat/3.jpg', 'dog/1.jpg', 'dog/2.jpg', 'dog/3.jpg'].map((relPath, i) => ({
    relPath,
    label: relPath.startsWith('cat') ? 0 : 1,
    contentHash: `h${i}`,
    bytes: 1000,
    width: 64,
    height: 64,
    format: 'jpeg',
    split: (['train', 'val', 'test'] as const)[i % 3]!,
  }));
  return {
    root,
    classes: ['cat', 'dog'],
    classSummaries: [
      { name: 'cat', count: 3, train: 1, val: 1, test: 1 },
      { name: 'dog', count: 3, train: 1, val: 1, test: 1 },
    ],
    images,
    skipped: [],
    hiddenCount: 0,
    problems: [{ kind: 'small-image', severity: 'warning', message: '6 images are small.', paths: images.map((i) => i.relPath) }],
    split: { val: 0.1, test: 0.2 },
  };
}

export function sampleInspection(source = '/models/mnv2'): ModelInspection {
  const layer = (index: number, name: string, className: string, outputShape: number[], params = 0) => ({
    index,
    name,
    className,
    outputShape,
    params,
    trainableParams: params,
    inbound: [],
  });
  return {
    source,
    name: 'mobilenet_v2',
    format: 'layers',
    key: 'k1',
    preprocessing: { height: 224, width: 224, resize: 'stretch', range: [-1, 1] },
    defaultCut: 'out_relu',
    layers: [
      layer(0, 'input_1', 'InputLayer', [224, 224, 3]),
      layer(1, 'Conv1', 'Conv2D', [112, 112, 32], 864),
      layer(2, 'out_relu', 'ReLU', [7, 7, 1280]),
      layer(3, 'predictions', 'Dense', [1000], 1281000),
    ],
    totalParams: 3_500_000,
    fromCache: false,
    downloaded: false,
  };
}

export function sampleRun(id = 'run-1', runDir = `/work/runs/${id}`): RunRecord {
  const classes = ['cat', 'dog'];
  return {
    formatVersion: 1,
    id,
    createdAt: '2026-01-01T12:00:00.000Z',
    dataset: { root: '/data/pets', classes, counts: { train: 2, val: 2, test: 4 }, split: { val: 0.1, test: 0.2 } },
    model: {
      source: '/models/mnv2',
      name: 'mobilenet_v2',
      key: 'k1',
      format: 'layers',
      cut: 'out_relu',
      pooling: 'avg',
      featureDim: 1280,
      preprocessing: { height: 224, width: 224, resize: 'stretch', range: [-1, 1] },
    },
    config: structuredClone(defaultTrainConfig),
    backend: { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', reason: 'test' },
    extractor: { runtime: 'tfjs', backend: 'wasm', workers: 1, batchSize: 8, imagesPerSecond: 10 },
    epochs: [{ epoch: 1, loss: 0.7, accuracy: 0.5, valLoss: 0.6, valAccuracy: 0.5, seconds: 0.1, samplesPerSecond: 100 }],
    bestEpoch: 1,
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
      macroF1: 0.73,
      misclassified: [{ path: 'dog/3.jpg', trueClass: 'dog', predictedClass: 'cat', confidence: 0.61 }],
      predictions: [
        { path: 'cat/1.jpg', trueLabel: 0, predictedLabel: 0, confidence: 0.9 },
        { path: 'cat/2.jpg', trueLabel: 0, predictedLabel: 0, confidence: 0.6 },
        { path: 'dog/3.jpg', trueLabel: 1, predictedLabel: 0, confidence: 0.61 },
        { path: 'dog/4.jpg', trueLabel: 1, predictedLabel: 1, confidence: 0.7 },
      ],
      testCount: 4,
    },
    timings: { scanSeconds: 0, modelLoadSeconds: 0, extractSeconds: 0, trainSeconds: 0, evaluateSeconds: 0, totalSeconds: 1 },
    cache: { hits: 0, misses: 8, dir: `${runDir}/cache` },
    skipped: [],
    peakRssMiB: 300,
  };
}
