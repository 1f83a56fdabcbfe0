import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * The frozen part of a network (input → cut layer) as a small inference graph of plain ops,
 * read from a TF.js layers model. Being frozen, it can be rewritten for speed: BatchNorm is
 * folded into the convolution before it and activations are fused into the convolution
 * kernels (a tf.profile of MobileNetV2 on wasm spends a third of its time in separate
 * BatchNorm ops and a tenth in separate activations). The same graph is what a native
 * runtime (ONNX) would be compiled from: it is the seam between "the model" and "a runtime".
 */
export type Activation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'elu' | 'softmax';
export type Padding = 'same' | 'valid' | [[number, number], [number, number]];

export interface WeightArray {
  shape: number[];
  data: Float32Array;
}

interface NodeBase {
  name: string;
  inputs: string[];
}

export type FrozenNode =
  | (NodeBase & { op: 'input' })
  | (NodeBase & { op: 'conv2d' | 'depthwise'; filter: WeightArray; bias: WeightArray | null; strides: [number, number]; dilations: [number, number]; pad: Padding; activation: Activation })
  | (NodeBase & { op: 'dense'; kernel: WeightArray; bias: WeightArray | null; activation: Activation })
  | (NodeBase & { op: 'scaleShift'; scale: WeightArray; shift: WeightArray })
  | (NodeBase & { op: 'activation'; activation: Activation })
  | (NodeBase & { op: 'add' | 'multiply' })
  | (NodeBase & { op: 'concat'; axis: number })
  | (NodeBase & { op: 'pad'; paddings: [[number, number], [number, number]] })
  | (NodeBase & { op: 'maxPool' | 'avgPool'; pool: [number, number]; strides: [number, number]; pad: 'same' | 'valid' })
  | (NodeBase & { op: 'globalAvgPool' | 'globalMaxPool' | 'flatten' | 'identity' })
  | (NodeBase & { op: 'rescale'; scale: number; offset: number });

export interface FrozenGraph {
  nodes: FrozenNode[];
  /** name of the node whose output is the bottleneck */
  output: string;
  inputShape: number[];
}

export class UnsupportedLayerError extends Error {
  constructor(readonly layerName: string, readonly className: string, detail?: string) {
    super(`layer ${layerName} (${className}) ${detail ?? 'is not supported by the fused runtime'}`);
  }
}

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

const knownActivations: Record<string, Activation> = { linear: 'linear', relu: 'relu', relu6: 'relu6', sigmoid: 'sigmoid', tanh: 'tanh', elu: 'elu', softmax: 'softmax' };

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

function nodeFor(layer: tfl.layers.Layer, inputs: string[]): FrozenNode {
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
    case 'Dense':
      return { op: 'dense', name, inputs, kernel: weight(w[0]!), bias: cfg.useBias && w[1] ? weight(w[1]) : null, activation: activationOf(layer, cfg.activation) };
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
    case 'Activation':
      return { op: 'activation', name, inputs, activation: activationOf(layer, cfg.activation) };
    case 'Add':
      return { op: 'add', name, inputs };
    case 'Multiply':
      return { op: 'multiply', name, inputs };
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
      if (cfg.keepdims) throw new UnsupportedLayerError(name, cls, 'keeps the pooled dimensions');
      return { op: cls === 'GlobalAveragePooling2D' ? 'globalAvgPool' : 'globalMaxPool', name, inputs };
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
  const stack = [cut];
  while (stack.length) {
    const l = stack.pop()!;
    if (needed.has(l.name)) continue;
    needed.add(l.name);
    if (l.inboundNodes.length > 1) throw new UnsupportedLayerError(l.name, l.getClassName(), 'is shared between several calls');
    for (const inbound of l.inboundNodes[0]?.inboundLayers ?? []) stack.push(inbound as LayerLike);
  }
  const nodes: FrozenNode[] = [];
  for (const l of model.layers) {
    if (!needed.has(l.name)) continue;
    const inputs = ((l as LayerLike).inboundNodes[0]?.inboundLayers ?? []).map((x) => x.name);
    nodes.push(nodeFor(l, inputs));
  }
  return { nodes, output: cutLayer, inputShape: (model.inputs[0]!.shape as (number | null)[]).slice(1).map((d) => d ?? -1) };
}

function consumers(g: FrozenGraph): Map<string, number> {
  const count = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) count.set(i, (count.get(i) ?? 0) + 1);
  count.set(g.output, (count.get(g.output) ?? 0) + 1);
  return count;
}

function rename(g: FrozenGraph, from: string, to: string): void {
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
  if (g.output === from) g.output = to;
}

/**
 * Folds BatchNorm into the convolution that feeds it, fuses the activation that follows,
 * and turns a ZeroPadding2D that feeds a 'valid' convolution into the convolution's own
 * explicit padding. Each rewrite applies only where the intermediate has no other consumer.
 */
export function optimizeFrozenGraph(input: FrozenGraph): FrozenGraph {
  const g: FrozenGraph = { ...input, nodes: input.nodes.map((n) => ({ ...n, inputs: [...n.inputs] }) as FrozenNode) };
  const byName = (name: string) => g.nodes.find((n) => n.name === name);
  let changed = true;
  while (changed) {
    changed = false;
    const uses = consumers(g);
    for (const n of g.nodes) {
      const src = n.inputs.length === 1 ? byName(n.inputs[0]!) : undefined;
      if (!src || (uses.get(src.name) ?? 0) !== 1) continue;
      const isConv = src.op === 'conv2d' || src.op === 'depthwise';
      if (n.op === 'scaleShift' && isConv && src.activation === 'linear') {
        const out = src.filter.shape[src.filter.shape.length - 1]! * (src.op === 'depthwise' ? src.filter.shape[2]! : 1);
        const channels = n.scale.data.length;
        const perChannel = src.op === 'depthwise' ? src.filter.shape[2]! * src.filter.shape[3]! : out;
        if (perChannel !== channels) continue;
        const f = new Float32Array(src.filter.data);
        for (let i = 0; i < f.length; i++) f[i]! *= n.scale.data[i % channels]!;
        const b = new Float32Array(channels);
        for (let c = 0; c < channels; c++) b[c] = (src.bias ? src.bias.data[c]! : 0) * n.scale.data[c]! + n.shift.data[c]!;
        src.filter = { shape: src.filter.shape, data: f };
        src.bias = { shape: [channels], data: b };
      } else if (n.op === 'activation' && (isConv || src.op === 'dense') && src.activation === 'linear' && n.activation !== 'softmax' && n.activation !== 'tanh') {
        src.activation = n.activation;
      } else if (n.op === 'identity') {
        // drop it below
      } else if ((n.op === 'conv2d' || n.op === 'depthwise') && src.op === 'pad' && n.pad === 'valid') {
        n.pad = src.paddings;
        n.inputs = [...src.inputs];
        g.nodes = g.nodes.filter((x) => x !== src);
        changed = true;
        break;
      } else {
        continue;
      }
      // n is now part of src: consumers of n read src instead
      g.nodes = g.nodes.filter((x) => x !== n);
      const srcName = src.name;
      rename(g, n.name, srcName);
      changed = true;
      break;
    }
  }
  return g;
}

export function graphStats(g: FrozenGraph): { nodes: number; ops: Record<string, number> } {
  const ops: Record<string, number> = {};
  for (const n of g.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
  return { nodes: g.nodes.length, ops };
}
