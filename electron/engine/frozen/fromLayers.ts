import type * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError, type Activation, type FrozenGraph, type FrozenNode, type WeightArray } from './frozenGraph';

/** Reads the frozen part of a TF.js layers model into a FrozenGraph (frozenGraph.ts). */
type LayerLike = tfl.layers.Layer & { inboundNodes: { inboundLayers: tfl.layers.Layer[] }[] };
type Config = Record<string, unknown>;

function weight(t: { shape: number[]; dataSync(): ArrayLike<number> }): WeightArray {
  return { shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
}

function pair(v: unknown, fallback: number): [number, number] {
  if (Array.isArray(v)) return [Number(v[0] ?? fallback), Number(v[1] ?? v[0] ?? fallback)];
  if (typeof v === 'number') return [v, v];
  return [fallback, fallback];
}

// TF.js's names of activations (its serialized class names, and Keras's snake_case spellings)
const knownActivations: Record<string, Activation> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'selu',
  softmax: 'softmax',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  silu: 'swish',
  hardSigmoid: 'hardSigmoid',
  hard_sigmoid: 'hardSigmoid',
};

function activationOf(layer: tfl.layers.Layer, name: unknown): Activation {
  const a = knownActivations[String(name ?? 'linear')];
  if (!a) throw new UnsupportedLayerError(layer.name, layer.getClassName(), `uses the activation "${String(name)}"`);
  return a;
}

function channelsLast(layer: tfl.layers.Layer, cfg: Config): void {
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') {
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), 'uses channels-first data');
  }
}

function nodesFor(layer: tfl.layers.Layer, inputs: string[]): FrozenNode[] {
  const one = nodeFor(layer, inputs);
  return Array.isArray(one) ? one : [one];
}

function nodeFor(layer: tfl.layers.Layer, inputs: string[]): FrozenNode | FrozenNode[] {
  const cfg = layer.getConfig() as Config;
  const name = layer.name;
  const cls = layer.getClassName();
  const w = layer.getWeights();
  switch (cls) {
    case 'InputLayer':
      return { op: 'input', name, inputs: [] };
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      channelsLast(layer, cfg);
      if (cls === 'Conv2D' && Number(cfg.groups ?? 1) !== 1) throw new UnsupportedLayerError(name, cls, 'is a grouped convolution');
      return {
        op: cls === 'Conv2D' ? 'conv2d' : 'depthwise',
        name,
        inputs,
        filter: weight(w[0]!),
        bias: cfg.useBias && w[1] ? weight(w[1]) : null,
        strides: pair(cfg.strides, 1),
        dilations: pair(cfg.dilationRate, 1),
        pad: cfg.padding === 'same' ? 'same' : 'valid',
        activation: activationOf(layer, cfg.activation),
      };
    }
    case 'SeparableConv2D': {
      // a depthwise convolution then a pointwise one: two plain nodes, the second keeps the name
      channelsLast(layer, cfg);
      const strides = pair(cfg.strides, 1);
      const dilations = pair(cfg.dilationRate, 1);
      const pad = cfg.padding === 'same' ? 'same' : 'valid';
      return [
        { op: 'depthwise', name: `${name}/depthwise`, inputs, filter: weight(w[0]!), bias: null, strides, dilations, pad, activation: 'linear' },
        {
          op: 'conv2d',
          name,
          inputs: [`${name}/depthwise`],
          filter: weight(w[1]!),
          bias: cfg.useBias && w[2] ? weight(w[2]) : null,
          strides: [1, 1],
          dilations: [1, 1],
          pad: 'valid',
          activation: activationOf(layer, cfg.activation),
        },
      ];
    }
    case 'Dense':
      return {
        op: 'dense',
        name,
        inputs,
        kernel: weight(w[0]!),
        bias: cfg.useBias && w[1] ? weight(w[1]) : null,
        activation: activationOf(layer, cfg.activation),
      };
    case 'BatchNormalization': {
      const axis = Number(cfg.axis ?? -1);
      const rank = (layer.outputShape as number[]).length;
      if (axis !== -1 && axis !== rank - 1) throw new UnsupportedLayerError(name, cls, `normalises axis ${axis}, not the channels`);
      let i = 0;
      const gamma = cfg.scale ? w[i++]!.dataSync() : null;
      const beta = cfg.center ? w[i++]!.dataSync() : null;
      const mean = w[i++]!.dataSync();
      const variance = w[i++]!.dataSync();
      const eps = Number(cfg.epsilon ?? 1e-3);
      const n = mean.length;
      const scale = new Float32Array(n);
      const shift = new Float32Array(n);
      for (let c = 0; c < n; c++) {
        // inference-mode BN is an affine map per channel: y = x·s + t
        const s = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + eps);
        scale[c] = s;
        shift[c] = (beta ? beta[c]! : 0) - mean[c]! * s;
      }
      return { op: 'scaleShift', name, inputs, scale: { shape: [n], data: scale }, shift: { shape: [n], data: shift } };
    }
    case 'ReLU': {
      const max = cfg.maxValue;
      if (max === 6) return { op: 'activation', name, inputs, activation: 'relu6' };
      if (max === null || max === undefined) return { op: 'activation', name, inputs, activation: 'relu' };
      throw new UnsupportedLayerError(name, cls, `clips at ${String(max)}`);
    }
    case 'ELU':
      if (Number(cfg.alpha ?? 1) !== 1) throw new UnsupportedLayerError(name, cls, `has alpha ${String(cfg.alpha)}`);
      return { op: 'activation', name, inputs, activation: 'elu' };
    case 'Softmax': {
      const axis = Number(cfg.axis ?? -1);
      if (axis !== -1 && axis !== (layer.outputShape as number[]).length - 1)
        throw new UnsupportedLayerError(name, cls, `normalises axis ${axis}, not the channels`);
      return { op: 'activation', name, inputs, activation: 'softmax' };
    }
    case 'Activation':
      return { op: 'activation', name, inputs, activation: activationOf(layer, cfg.activation) };
    case 'Add':
      return { op: 'add', name, inputs };
    case 'Multiply':
      return { op: 'multiply', name, inputs };
    case 'Maximum':
      return { op: 'maximum', name, inputs };
    case 'Minimum':
      return { op: 'minimum', name, inputs };
    case 'Average':
      return { op: 'average', name, inputs };
    case 'Reshape':
      return { op: 'reshape', name, inputs, shape: (cfg.targetShape as number[]).map(Number) };
    case 'Concatenate': {
      const rank = (layer.outputShape as number[]).length;
      const axis = Number(cfg.axis ?? -1);
      return { op: 'concat', name, inputs, axis: axis < 0 ? rank + axis : axis };
    }
    case 'ZeroPadding2D': {
      channelsLast(layer, cfg);
      const p = cfg.padding as unknown;
      const rows = Array.isArray(p) ? pair(p[0], 0) : pair(p, 0);
      const cols = Array.isArray(p) ? pair(p[1], 0) : pair(p, 0);
      return { op: 'pad', name, inputs, paddings: [rows, cols] };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      channelsLast(layer, cfg);
      return {
        op: cls === 'MaxPooling2D' ? 'maxPool' : 'avgPool',
        name,
        inputs,
        pool: pair(cfg.poolSize, 2),
        strides: pair(cfg.strides ?? cfg.poolSize, 2),
        pad: cfg.padding === 'same' ? 'same' : 'valid',
      };
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      channelsLast(layer, cfg);
      // TF.js's global poolings ignore Keras's keepdims, so the model as TF.js runs it drops them
      return { op: cls === 'GlobalAveragePooling2D' ? 'globalAvgPool' : 'globalMaxPool', name, inputs, keepDims: false };
    case 'Flatten':
      return { op: 'flatten', name, inputs };
    case 'Dropout':
    case 'SpatialDropout2D':
    case 'GaussianNoise':
    case 'GaussianDropout':
    case 'AlphaDropout':
      // training-only noise: identity at inference
      return { op: 'identity', name, inputs };
    case 'Rescaling':
      return { op: 'rescale', name, inputs, scale: Number(cfg.scale ?? 1), offset: Number(cfg.offset ?? 0) };
    default:
      throw new UnsupportedLayerError(name, cls);
  }
}

/** Reads the graph from the model's input to `cutLayer`, in topological order. */
export function frozenGraphFromLayers(model: tfl.LayersModel, cutLayer: string): FrozenGraph {
  if (model.inputs.length !== 1) throw new UnsupportedLayerError(model.name, 'Model', 'has more than one input');
  const byName = new Map(model.layers.map((l) => [l.name, l as LayerLike]));
  const cut = byName.get(cutLayer);
  if (!cut) throw new UnsupportedLayerError(cutLayer, '?', 'is not in the model');
  // walk back from the cut to find the layers it needs, then keep the model's own order
  const needed = new Set<string>();
  const walked = new Map<string, tfl.layers.Layer>();
  const stack = [cut];
  while (stack.length) {
    const l = stack.pop()!;
    if (needed.has(l.name)) continue;
    needed.add(l.name);
    walked.set(l.name, l);
    if (l.inboundNodes.length > 1) throw new UnsupportedLayerError(l.name, l.getClassName(), 'is shared between several calls');
    for (const inbound of l.inboundNodes[0]?.inboundLayers ?? []) stack.push(inbound as LayerLike);
  }
  const nodes: FrozenNode[] = [];
  // a Sequential model leaves its input layer out of .layers (and out of .inputLayers)
  const inputLayers = [...walked.values()].filter((l) => !model.layers.includes(l));
  for (const l of [...inputLayers, ...model.layers]) {
    if (!needed.has(l.name)) continue;
    const inputs = ((l as LayerLike).inboundNodes[0]?.inboundLayers ?? []).map((x) => x.name);
    nodes.push(...nodesFor(l, inputs));
  }
  return { nodes, output: cutLayer, inputShape: (model.inputs[0]!.shape as (number | null)[]).slice(1).map((d) => d ?? -1) };
}
