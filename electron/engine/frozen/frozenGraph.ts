/**
 * The frozen part of a network (input → cut layer) as a small inference graph of plain ops,
 * channels-last like TF.js. It is read from a TF.js layers model (fromLayers.ts) and is the
 * seam between "the model" and "a runtime": the fused TF.js executor runs it, and the ONNX
 * compiler translates it for ONNX Runtime. Being frozen, it can be rewritten for speed:
 * BatchNorm is folded into the convolution before it and activations are fused into the
 * convolution kernels (a tf.profile of MobileNetV2 on wasm spends a third of its time in
 * separate BatchNorm ops and a tenth in separate activations).
 */
export type Activation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'elu' | 'selu' | 'softmax' | 'softplus' | 'softsign' | 'swish' | 'hardSigmoid';
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
  | (NodeBase & {
      op: 'conv2d' | 'depthwise';
      filter: WeightArray;
      bias: WeightArray | null;
      strides: [number, number];
      dilations: [number, number];
      pad: Padding;
      activation: Activation;
    })
  | (NodeBase & { op: 'dense'; kernel: WeightArray; bias: WeightArray | null; activation: Activation })
  | (NodeBase & { op: 'scaleShift'; scale: WeightArray; shift: WeightArray })
  | (NodeBase & { op: 'activation'; activation: Activation })
  | (NodeBase & { op: 'add' | 'multiply' | 'maximum' | 'minimum' | 'average' })
  | (NodeBase & { op: 'concat'; axis: number })
  | (NodeBase & { op: 'pad'; paddings: [[number, number], [number, number]] })
  | (NodeBase & { op: 'maxPool' | 'avgPool'; pool: [number, number]; strides: [number, number]; pad: 'same' | 'valid' })
  | (NodeBase & { op: 'globalAvgPool' | 'globalMaxPool'; keepDims: boolean })
  | (NodeBase & { op: 'flatten' | 'identity' })
  | (NodeBase & { op: 'reshape'; shape: number[] })
  | (NodeBase & { op: 'rescale'; scale: number; offset: number });

export interface FrozenGraph {
  nodes: FrozenNode[];
  /** name of the node whose output is the bottleneck */
  output: string;
  /** [height, width, channels]; -1 where the model leaves it open */
  inputShape: number[];
}

export class UnsupportedLayerError extends Error {
  constructor(
    readonly layerName: string,
    readonly className: string,
    detail?: string,
  ) {
    super(`layer ${layerName} (${className}) ${detail ?? 'has no translation outside TF.js'}`);
  }
}

/** activations TF.js can run inside its fused conv / matMul kernels */
export const tfjsFusable: ReadonlySet<Activation> = new Set(['linear', 'relu', 'relu6', 'elu', 'sigmoid']);

function consumers(g: FrozenGraph): Map<string, number> {
  const count = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) count.set(i, (count.get(i) ?? 0) + 1);
  count.set(g.output, (count.get(g.output) ?? 0) + 1);
  return count;
}

/**
 * Folds BatchNorm into the convolution that feeds it, fuses the activation that follows,
 * and turns a ZeroPadding2D that feeds a 'valid' convolution into the convolution's own
 * explicit padding. Each rewrite applies only where the intermediate has no other consumer.
 *
 * One pass in the graph's order (every node after its inputs): a node folded into the one
 * before it is renamed to it for the nodes after, so conv → BatchNorm → ReLU becomes one conv
 * on the way. (It restarted from the first node after each of MobileNetV2's 92 rewrites, with a
 * linear search for every input: 80–100 ms of a first run's start.)
 */
export function optimizeFrozenGraph(input: FrozenGraph): FrozenGraph {
  const g: FrozenGraph = { ...input, nodes: input.nodes.map((n) => ({ ...n, inputs: [...n.inputs] }) as FrozenNode) };
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const uses = consumers(g);
  const removed = new Set<FrozenNode>();
  // a folded node's name → the node it is now part of
  const foldedInto = new Map<string, string>();
  for (const n of g.nodes) {
    n.inputs = n.inputs.map((i) => foldedInto.get(i) ?? i);
    const src = n.inputs.length === 1 ? byName.get(n.inputs[0]!) : undefined;
    if (!src || (uses.get(src.name) ?? 0) !== 1) continue;
    const isConv = src.op === 'conv2d' || src.op === 'depthwise';
    if (n.op === 'scaleShift' && isConv && src.activation === 'linear') {
      const out = src.filter.shape[src.filter.shape.length - 1]! * (src.op === 'depthwise' ? src.filter.shape[2]! : 1);
      const channels = n.scale.data.length;
      const perChannel = src.op === 'depthwise' ? src.filter.shape[2]! * src.filter.shape[3]! : out;
      if (perChannel !== channels) continue;
      const f = new Float32Array(src.filter.data);
      // the channels are the filter's last axis (or last two, depthwise): row after row of them
      const scale = n.scale.data;
      for (let row = 0; row < f.length; row += channels) for (let c = 0; c < channels; c++) f[row + c]! *= scale[c]!;
      const b = new Float32Array(channels);
      for (let c = 0; c < channels; c++) b[c] = (src.bias ? src.bias.data[c]! : 0) * scale[c]! + n.shift.data[c]!;
      src.filter = { shape: src.filter.shape, data: f };
      src.bias = { shape: [channels], data: b };
    } else if (n.op === 'activation' && (isConv || src.op === 'dense') && src.activation === 'linear' && n.activation !== 'softmax') {
      src.activation = n.activation;
    } else if (n.op === 'identity') {
      // folded below
    } else if ((n.op === 'conv2d' || n.op === 'depthwise') && src.op === 'pad' && n.pad === 'valid') {
      // the padding goes into the convolution, which reads what the padding read
      n.pad = src.paddings;
      n.inputs = [...src.inputs];
      removed.add(src);
      continue;
    } else {
      continue;
    }
    // n is now part of src: the nodes after it read src, which has n's consumers
    removed.add(n);
    foldedInto.set(n.name, src.name);
    uses.set(src.name, uses.get(n.name) ?? 0);
  }
  g.nodes = g.nodes.filter((n) => !removed.has(n));
  g.output = foldedInto.get(g.output) ?? g.output;
  return g;
}

export function graphStats(g: FrozenGraph): { nodes: number; ops: Record<string, number> } {
  const ops: Record<string, number> = {};
  for (const n of g.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
  return { nodes: g.nodes.length, ops };
}

/**
 * The rank of every value in the graph (the input is rank 4: batch, height, width,
 * channels). A runtime that keeps another layout (ONNX: channels-first) needs to know which
 * values are images.
 */
export function valueRanks(g: FrozenGraph): Map<string, number> {
  const rank = new Map<string, number>();
  for (const n of g.nodes) {
    const r = n.inputs.map((i) => rank.get(i) ?? 4);
    const first = r[0] ?? 4;
    switch (n.op) {
      case 'input':
        rank.set(n.name, 4);
        break;
      case 'globalAvgPool':
      case 'globalMaxPool':
        rank.set(n.name, n.keepDims ? 4 : 2);
        break;
      case 'flatten':
        rank.set(n.name, 2);
        break;
      case 'reshape':
        rank.set(n.name, n.shape.length + 1);
        break;
      case 'add':
      case 'multiply':
      case 'maximum':
      case 'minimum':
      case 'average':
      case 'concat':
        rank.set(n.name, Math.max(...r));
        break;
      default:
        rank.set(n.name, first);
    }
  }
  return rank;
}
