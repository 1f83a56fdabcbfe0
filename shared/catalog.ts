import type { CatalogEntry } from './model';
import type { Preprocessing } from './preprocessing';

/*
 * The public ImageNet backbones the lab offers. None of these addresses can be reached from the
 * machine this was written on, so each one is an address public code is seen loading, and every
 * figure carries its source. Conventions used throughout:
 *
 * - paramsM counts the backbone up to the cut (the part the lab freezes), BatchNorm statistics
 *   included as Keras counts them; publishedParamsM is the whole classifier as its table gives it.
 * - macsM is the publisher's figure for the whole classifier; the 1000-way head adds only about
 *   one million multiply-adds, so it stands for the backbone too.
 * - Layers models are cut at a 7×7×C activation and the lab pools it globally, so featureDim is C.
 */

const keras224: Preprocessing = { height: 224, width: 224, resize: 'stretch', range: [-1, 1] };
// TF Hub's image signatures take float pixels in [0, 1] (tensorflow.org/hub/common_signatures/images).
const hub224: Preprocessing = { height: 224, width: 224, resize: 'stretch', range: [0, 1] };
const hub299: Preprocessing = { height: 299, width: 299, resize: 'stretch', range: [0, 1] };

/** megabytes of float32 weights for millions of parameters: what a download of them weighs */
const float32MB = (millions: number): number => Math.max(1, Math.round(millions * 4));

interface WidthVariant {
  alpha: number;
  /** how the address spells the width */
  alphaText: string;
  /** counted exactly from the architecture (see source) */
  paramsM: number;
  publishedParamsM: number;
  macsM: number;
  imagenetTop1: number;
  featureDim: number;
}

const mobilenetV1Source =
  "Address: the TF.js team's Keras MobileNet layers models (tfjs-examples webcam-transfer-learning " +
  'loads mobilenet_v1_0.25_224 and cuts at conv_pw_13_relu; public code loads the 0.50, 0.75 and ' +
  '1.0 files the same way). MACs, published parameters and top-1: ' +
  'TF-slim mobilenet_v1.md table for the 2017_06_14 checkpoints (tensorflow/models). Backbone ' +
  "parameters: counted from the Keras MobileNet architecture (α 1.0 gives 3,228,864, Keras' " +
  'include_top=False figure).';

const mobilenetV1Variants: WidthVariant[] = [
  { alpha: 0.25, alphaText: '0.25', paramsM: 0.22, publishedParamsM: 0.47, macsM: 41, imagenetTop1: 50.6, featureDim: 256 },
  { alpha: 0.5, alphaText: '0.50', paramsM: 0.83, publishedParamsM: 1.34, macsM: 150, imagenetTop1: 64.0, featureDim: 512 },
  { alpha: 0.75, alphaText: '0.75', paramsM: 1.83, publishedParamsM: 2.59, macsM: 317, imagenetTop1: 68.4, featureDim: 768 },
  { alpha: 1.0, alphaText: '1.0', paramsM: 3.23, publishedParamsM: 4.24, macsM: 569, imagenetTop1: 70.7, featureDim: 1024 },
];

function mobilenetV1(v: WidthVariant): CatalogEntry {
  const pct = Math.round(v.alpha * 100)
    .toString()
    .padStart(3, '0');
  return {
    id: `mobilenet_v1_${pct}_224`,
    name: `MobileNet v1 ${v.alpha.toFixed(2)} (224)`,
    family: 'mobilenet_v1',
    format: 'layers',
    url: `https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_${v.alphaText}_224/model.json`,
    fromTFHub: false,
    preprocessing: keras224,
    defaultCut: 'conv_pw_13_relu',
    featureDim: v.featureDim,
    paramsM: v.paramsM,
    publishedParamsM: v.publishedParamsM,
    // the file is the whole Keras classifier, its 1000-way top included
    downloadMB: float32MB(v.publishedParamsM),
    macsM: v.macsM,
    imagenetTop1: v.imagenetTop1,
    source: mobilenetV1Source,
    notes:
      'The file holds the full 1000-class Keras model; the lab cuts it at conv_pw_13_relu ' +
      `(7×7×${v.featureDim}) and pools. Top-1 is TF-slim's for the checkpoint the Keras weights were ` +
      'converted from (Keras reports 70.4% for α 1.0); that the TF.js files carry exactly those ' +
      'weights is assumed, not checked. Input scaling to [-1, 1] follows the webcam example.',
  };
}

const mobilenetV2Source =
  "Address: Teachable Machine's image library (storage.googleapis.com/teachable-machine-models, " +
  'α written with toFixed(2); it cuts these models at out_relu). MACs, published parameters and ' +
  'top-1: TF-slim ' +
  'mobilenet/README.md table (tensorflow/models), the checkpoints the Keras weights were converted ' +
  'from. Backbone parameters: counted from the Keras MobileNetV2 architecture; α 1.00 gives ' +
  '2,257,984, matching the out_relu cut of a real Keras MobileNetV2 file (nsfwjs 4.4.0).';

const mobilenetV2Variants: WidthVariant[] = [
  { alpha: 0.35, alphaText: '0.35', paramsM: 0.41, publishedParamsM: 1.66, macsM: 59, imagenetTop1: 60.3, featureDim: 1280 },
  { alpha: 0.5, alphaText: '0.50', paramsM: 0.71, publishedParamsM: 1.95, macsM: 97, imagenetTop1: 65.4, featureDim: 1280 },
  { alpha: 0.75, alphaText: '0.75', paramsM: 1.38, publishedParamsM: 2.61, macsM: 209, imagenetTop1: 69.8, featureDim: 1280 },
  { alpha: 1.0, alphaText: '1.00', paramsM: 2.26, publishedParamsM: 3.47, macsM: 300, imagenetTop1: 71.8, featureDim: 1280 },
];

function mobilenetV2Keras(v: WidthVariant): CatalogEntry {
  const pct = Math.round(v.alpha * 100)
    .toString()
    .padStart(3, '0');
  return {
    id: `mobilenet_v2_${pct}_224`,
    name: `MobileNet v2 ${v.alpha.toFixed(2)} (224)`,
    family: 'mobilenet_v2',
    format: 'layers',
    url: 'https://storage.googleapis.com/teachable-machine-models/' + `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${v.alphaText}_224_no_top/model.json`,
    fromTFHub: false,
    preprocessing: keras224,
    defaultCut: 'out_relu',
    featureDim: v.featureDim,
    paramsM: v.paramsM,
    publishedParamsM: v.publishedParamsM,
    downloadMB: float32MB(v.paramsM),
    macsM: v.macsM,
    imagenetTop1: v.imagenetTop1,
    source: mobilenetV2Source,
    notes:
      'Keras no-top model ending at out_relu (7×7×1280: widths below 1.0 keep the last 1280 ' +
      'channels); the lab pools it to 1280. Keras reports 71.3% top-1 for α 1.00 against ' +
      "TF-slim's 71.8%.",
  };
}

export const modelCatalog: CatalogEntry[] = [
  ...mobilenetV1Variants.map(mobilenetV1),
  ...mobilenetV2Variants.map(mobilenetV2Keras),
  {
    id: 'mobilenet_v2_100_224_tfhub',
    name: 'MobileNet v2 1.00 feature vector (TF Hub, 224)',
    family: 'mobilenet_v2',
    format: 'graph',
    url: 'https://tfhub.dev/google/tfjs-model/imagenet/mobilenet_v2_100_224/feature_vector/3/default/1',
    fromTFHub: true,
    preprocessing: hub224,
    featureDim: 1280,
    paramsM: 2.26,
    publishedParamsM: 3.47,
    downloadMB: float32MB(2.26),
    macsM: 300,
    imagenetTop1: 71.8,
    source:
      'Address: TF Hub tfjs-model, loaded with fromTFHub in public code. Input [0, 1] and 1280 ' +
      'features: TF Hub imagenet/mobilenet_v2_*_224/feature_vector pages (common image signature). ' +
      'MACs, published parameters, top-1: TF-slim mobilenet/README.md (mobilenet_v2_1.0_224).',
    notes:
      'A frozen graph that ends in the pooled 1280-d vector: a head-only backbone. Backbone ' +
      "parameters taken from the same architecture's Keras no-top count; not counted in this file.",
  },
  {
    id: 'mobilenet_v3_small_100_224',
    name: 'MobileNet v3 small 1.00 feature vector (224)',
    family: 'mobilenet_v3',
    format: 'graph',
    url: 'https://www.kaggle.com/models/google/mobilenet-v3/TfJs/small-100-224-feature-vector/1',
    fromTFHub: true,
    preprocessing: hub224,
    featureDim: 1024,
    paramsM: 1.9,
    publishedParamsM: 2.9,
    downloadMB: float32MB(1.9),
    macsM: 66,
    imagenetTop1: 67.5,
    source:
      'Address: Kaggle Models TfJs handle (successor of tfhub.dev/google/tfjs-model/imagenet/' +
      'mobilenet_v3_small_100_224/feature_vector/5/default/1), loaded with fromTFHub in public code, ' +
      'which also sizes its output 1024. MACs, parameters, top-1: TF-slim mobilenet/README.md ' +
      '(Small dm=1 float), the checkpoint TF Hub exported.',
    notes:
      'Backbone parameters are the published 2.9 M less the 1001-way logits (1024×1001+1001), so ' +
      'only as exact as the rounded 2.9. The MobileNetV3 paper gives 56 M MAdds and 67.4% for the ' +
      'same network; the TF-slim checkpoint table says 66 M and 67.5%.',
  },
  {
    id: 'mobilenet_v3_large_100_224',
    name: 'MobileNet v3 large 1.00 feature vector (224)',
    family: 'mobilenet_v3',
    format: 'graph',
    url: 'https://www.kaggle.com/models/google/mobilenet-v3/TfJs/large-100-224-feature-vector/1',
    fromTFHub: true,
    preprocessing: hub224,
    featureDim: 1280,
    paramsM: 4.1,
    publishedParamsM: 5.4,
    downloadMB: float32MB(4.1),
    macsM: 217,
    imagenetTop1: 75.2,
    source:
      'Address: Kaggle Models TfJs handle (successor of tfhub.dev/google/tfjs-model/imagenet/' +
      'mobilenet_v3_large_100_224/feature_vector/5/default/1), loaded with fromTFHub in public code, ' +
      'which also sizes its output 1280. MACs, parameters, top-1: TF-slim mobilenet/README.md ' +
      '(Large dm=1 float).',
    notes:
      'Backbone parameters are the published 5.4 M less the 1001-way logits (1280×1001+1001), so ' +
      'only as exact as the rounded 5.4. The paper gives 219 M MAdds for the same network.',
  },
  {
    id: 'inception_v3_tfhub',
    name: 'Inception v3 feature vector (TF Hub, 299)',
    family: 'inception_v3',
    format: 'graph',
    url: 'https://tfhub.dev/google/tfjs-model/imagenet/inception_v3/feature_vector/3/default/1',
    fromTFHub: true,
    preprocessing: hub299,
    featureDim: 2048,
    paramsM: 21.8,
    publishedParamsM: 23.9,
    downloadMB: float32MB(21.8),
    macsM: 5713,
    imagenetTop1: 78.0,
    source:
      'Address: TF Hub tfjs-model, loaded with fromTFHub in public code. 299×299 input in [0, 1], ' +
      '2048 features, checkpoint inception_v3_2016_08_28: TF Hub imagenet/inception_v3/' +
      'feature_vector page. Top-1: TF-slim pre-trained models table (78.0). Backbone parameters: ' +
      '21,802,784 counted to mixed10 in a real Keras Inception v3 file (nsfwjs 4.4.0); published ' +
      "total: Keras applications table (23.9 M). MACs: torchvision's count for Inception v3 " +
      '(5.71 G); the paper says about 5 billion multiply-adds.',
    notes:
      "The lab's default backbone: parallel branches of 1×1, 3×3 and factorised 5×5/7×7 " +
      'convolutions. About twenty times the work of MobileNet v2 per image.',
  },
];

/** The backbone the lab proposes first: the one TensorFlow's retrain.py defaulted to. */
export const defaultCatalogId = 'inception_v3_tfhub';

/** the model the CLI's examples name: small, quick to download and to run on any machine */
export const exampleModelId = 'mobilenet_v2_100_224';

export function findCatalogEntry(id: string): CatalogEntry | undefined {
  return modelCatalog.find((e) => e.id === id);
}

/**
 * Catalog ids a mistyped or shortened one may have meant: those that contain it, case, dashes
 * and dots aside, the most accurate first ("mobilenet_v2" → its five, "Inception-v3" →
 * inception_v3_tfhub). Empty where nothing does, or for a folder or an address.
 */
export function similarCatalogIds(spec: string): string[] {
  const norm = (x: string) => x.toLowerCase().replace(/[-.\s]/g, '_');
  const s = norm(spec.trim());
  if (s.length < 3 || /[/\\]/.test(spec)) return [];
  // the most accurate first: a bare family name most often means its full-width network
  return modelCatalog
    .filter((e) => norm(e.id).includes(s))
    .sort((a, b) => b.imagenetTop1 - a.imagenetTop1)
    .map((e) => e.id);
}

/** "Did you mean a, b or c?", up to `most` of them and how many more; '' for none */
export function didYouMean(ids: readonly string[], most = 3): string {
  if (ids.length === 0) return '';
  const shown = ids.slice(0, most);
  const list = shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)!}`;
  return `Did you mean ${list}${ids.length > most ? ` (and ${ids.length - most} more)` : ''}?`;
}
