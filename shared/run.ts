import type { ClassMetrics } from './metrics';
import type { SkippedFile, SplitFractions } from './dataset';
import type { Preprocessing } from './preprocessing';

/** What a training run is asked to do and what it records. */
export interface HeadConfig {
  /** units of an optional hidden Dense layer (0: none) */
  hiddenUnits: number;
  /** dropout rate before the output layer (0: none) */
  dropout: number;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  /** momentum for SGD */
  momentum: number;
  seed: number;
  /** stop when validation loss has not improved for this many epochs (0: never) */
  patience: number;
  head: HeadConfig;
  /**
   * layers with weights just below the bottleneck that train with the head (0: the head
   * alone). The layers under them stay frozen and cached; BatchNorm stays in inference mode.
   */
  fineTuneLayers: number;
  /** the fine-tuned layers' learning rate, as a fraction of the head's */
  fineTuneLearningRateFactor: number;
  /** augmented variants of each training image, extracted once and cached (0: none) */
  augmentVariants: number;
  /** train on at most this many images of each class (null: all); validation and test stay whole */
  imagesPerClass: number | null;
}

export const defaultTrainConfig: TrainConfig = {
  epochs: 20,
  batchSize: 32,
  learningRate: 0.001,
  optimizer: 'adam',
  momentum: 0.9,
  seed: 42,
  patience: 5,
  head: { hiddenUnits: 0, dropout: 0.2 },
  fineTuneLayers: 0,
  fineTuneLearningRateFactor: 0.1,
  augmentVariants: 0,
  imagesPerClass: null,
};

export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  samplesPerSecond: number;
}

export interface Misclassified {
  path: string;
  trueClass: string;
  predictedClass: string;
  confidence: number;
}

/** one test image's outcome: what a click on a confusion-matrix cell shows */
export interface TestPrediction {
  path: string;
  trueLabel: number;
  predictedLabel: number;
  confidence: number;
}

export interface Evaluation {
  accuracy: number;
  confusionMatrix: number[][];
  classes: string[];
  perClass: ClassMetrics[];
  macroF1: number;
  misclassified: Misclassified[];
  /** every test image, in test-split order */
  predictions: TestPrediction[];
  testCount: number;
}

export interface RunTimings {
  scanSeconds: number;
  modelLoadSeconds: number;
  extractSeconds: number;
  trainSeconds: number;
  evaluateSeconds: number;
  totalSeconds: number;
}

/** where a fine-tuned run split the network: the cache holds `split`'s output; `layers` trained */
export interface FineTuneRecord {
  split: string;
  splitShape: number[];
  /** the layers with weights above the split that trained (BatchNorm stayed frozen) */
  layers: string[];
  trainableParams: number;
}

export interface ExtractorRecord {
  /** onnx (ONNX Runtime), fused / layers / graph (TF.js), or cache (nothing was extracted) */
  runtime: string;
  backend: string;
  workers: number;
  /** threads of ONNX Runtime in each worker; 1 for TF.js */
  threads?: number;
  batchSize: number;
  fallbackReason?: string;
  /** why the frozen part ran on this device, where `auto` weighed the GPU: no adapter, a software one, parity, or the two speeds */
  deviceReason?: string;
  /** largest difference from the plain TF.js model in the parity check, relative to the features' scale */
  parityMaxDiff?: number;
  imagesPerSecond: number | null;
}

/** Where one part of a run ran: the device, what ran it, and why no faster one did. */
export interface DeviceUse {
  device: 'gpu' | 'cpu' | 'none';
  /** the runtime or package that ran it */
  by: string;
  /** why a faster device was not used (absent when it ran on the GPU) */
  why?: string;
}

export interface RunDevices {
  frozenPart: DeviceUse;
  /** the fine-tuned top layers, when there are any */
  topLayers?: DeviceUse;
  head: DeviceUse;
}

export interface RunRecord {
  formatVersion: 1;
  id: string;
  createdAt: string;
  dataset: { root: string; classes: string[]; counts: { train: number; val: number; test: number }; split: SplitFractions };
  model: { source: string; name: string; key: string; format: 'layers' | 'graph'; cut: string; pooling: 'avg' | 'none'; featureDim: number; preprocessing: Preprocessing; fineTune?: FineTuneRecord; frozenParams?: number; forwardMflops?: number | null };
  config: TrainConfig;
  backend: { name: string; provider: string; reason: string };
  extractor: ExtractorRecord;
  /** which device ran each part (absent in runs made before it was recorded) */
  devices?: RunDevices;
  epochs: EpochMetrics[];
  bestEpoch: number;
  stoppedEarly: boolean;
  evaluation: Evaluation;
  timings: RunTimings;
  cache: { hits: number; misses: number; dir: string };
  skipped: SkippedFile[];
  peakRssMiB: number;
}
