/**
 * Layer classes grouped by what they do, for colour: a student scanning the column should
 * see the rhythm of the network (convolution, normalise, activate; repeat) at a glance.
 */
export type LayerKind = 'input' | 'conv' | 'depthwise' | 'norm' | 'activation' | 'merge' | 'pool' | 'dense' | 'other';

const byClass: Record<string, LayerKind> = {
  InputLayer: 'input',
  Conv2D: 'conv',
  SeparableConv2D: 'depthwise',
  DepthwiseConv2D: 'depthwise',
  BatchNormalization: 'norm',
  ReLU: 'activation',
  Activation: 'activation',
  Add: 'merge',
  Concatenate: 'merge',
  Multiply: 'merge',
  ZeroPadding2D: 'other',
  MaxPooling2D: 'pool',
  AveragePooling2D: 'pool',
  GlobalAveragePooling2D: 'pool',
  GlobalMaxPooling2D: 'pool',
  Dense: 'dense',
  Dropout: 'other',
  Flatten: 'other',
  Reshape: 'other',
};

export function layerKind(className: string): LayerKind {
  return byClass[className] ?? 'other';
}

export const kindLabels: Record<LayerKind, string> = {
  input: 'input',
  conv: 'convolution',
  depthwise: 'depthwise conv',
  norm: 'batch norm',
  activation: 'activation',
  merge: 'add / concat',
  pool: 'pooling',
  dense: 'dense',
  other: 'other',
};
