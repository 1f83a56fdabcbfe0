import type * as tf from '@tensorflow/tfjs-core';
import { UnsupportedLayerError, type Activation, type FrozenGraph, type FrozenNode, type Padding, type WeightArray } from './frozenGraph';

/**
 * Reads a TF.js graph model (the TF Hub / Kaggle feature-vector format: a frozen GraphDef of
 * TensorFlow ops) into a FrozenGraph, for the ops such feature vectors are made of: the
 * converter's fused convolutions and matmuls, BatchNorm, the activations, element-wise
 * arithmetic with constants (preprocessing, hard-swish), poolings, Mean over space, Squeeze,
 * Concat, Pad and Reshape. Anything else names the op, and the caller runs the model on TF.js.
 */
interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { i?: string | number; f?: number; b?: boolean; s?: string; list?: { i?: (string | number)[]; s?: string[] }; type?: string }>;
}

const decode = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');
const ints = (n: GraphNode, key: string) => (n.attr?.[key]?.list?.i ?? []).map(Number);
/** a node's input names without the ":k" output index and "^" control marks */
const source = (i: string) => i.replace(/^\^/, '').replace(/:\d+$/, '');

const activations: Record<string, Activation> = {
  Relu: 'relu',
  Relu6: 'relu6',
  Elu: 'elu',
  Selu: 'selu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  Softmax: 'softmax',
  Softplus: 'softplus',
  Softsign: 'softsign',
};

export function frozenGraphFromGraphModel(
  topology: { node: GraphNode[] },
  weights: tf.NamedTensorMap | Record<string, tf.Tensor[]>,
  outputName: string,
  inputShape: number[],
): FrozenGraph {
  const consts = new Map<string, tf.Tensor>();
  for (const [name, t] of Object.entries(weights)) consts.set(name, Array.isArray(t) ? t[0]! : t);
  const byName = new Map(topology.node.map((n) => [n.name, n]));
  const constOf = (name: string): WeightArray | null => {
    const t = consts.get(source(name));
    return t ? { shape: [...t.shape], data: Float32Array.from(t.dataSync()) } : null;
  };
  const scalarOf = (name: string): number | null => {
    const w = constOf(name);
    return w && w.data.length === 1 ? w.data[0]! : null;
  };

  // only the nodes the output needs, in an order where inputs come first
  const order: GraphNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    if (state.get(name) === 'done' || consts.has(name)) return;
    if (state.get(name) === 'visiting') throw new UnsupportedLayerError(name, 'cycle', 'is part of a loop');
    const n = byName.get(name);
    if (!n) throw new UnsupportedLayerError(name, '?', 'is not in the graph');
    state.set(name, 'visiting');
    for (const i of n.input ?? []) if (!i.startsWith('^')) visit(source(i));
    state.set(name, 'done');
    order.push(n);
  };
  visit(source(outputName));

  const nodes: FrozenNode[] = [];
  const dynamic = (n: GraphNode) => (n.input ?? []).filter((i) => !i.startsWith('^') && !consts.has(source(i))).map(source);

  const padding = (n: GraphNode): Padding => {
    const p = decode(n.attr?.padding?.s);
    if (p === 'SAME') return 'same';
    if (p === 'VALID') return 'valid';
    if (p === 'EXPLICIT') {
      const e = ints(n, 'explicit_paddings');
      return [
        [e[2]!, e[3]!],
        [e[4]!, e[5]!],
      ];
    }
    throw new UnsupportedLayerError(n.name, n.op, `uses padding ${p}`);
  };
  const nhwcOnly = (n: GraphNode) => {
    const f = decode(n.attr?.data_format?.s);
    if (f && f !== 'NHWC') throw new UnsupportedLayerError(n.name, n.op, `uses data format ${f}`);
  };

  /** the converter's fused ops: BiasAdd or FusedBatchNorm, then at most one activation */
  const fusedTail = (
    n: GraphNode,
    args: string[],
  ): { bias: WeightArray | null; activation: Activation; bn: { scale: Float32Array; shift: Float32Array } | null } => {
    const ops = (n.attr?.fused_ops?.list?.s ?? []).map(decode);
    let bias: WeightArray | null = null;
    let bn: { scale: Float32Array; shift: Float32Array } | null = null;
    let activation: Activation = 'linear';
    for (const op of ops) {
      if (op === 'BiasAdd' || op === 'Add') bias = constOf(args[0]!);
      else if (op === 'FusedBatchNorm') {
        const [s, o, m, v] = args.map((a) => constOf(a)?.data);
        if (!s || !o || !m || !v) throw new UnsupportedLayerError(n.name, n.op, 'has BatchNorm statistics that are not constants');
        const eps = Number(n.attr?.epsilon?.f ?? 1e-3);
        const scale = s.map((g, c) => g / Math.sqrt(v[c]! + eps));
        bn = { scale, shift: o.map((b, c) => b - m[c]! * scale[c]!) };
      } else if (activations[op]) activation = activations[op];
      else throw new UnsupportedLayerError(n.name, n.op, `fuses ${op}`);
    }
    if (ops.length && !bias && !bn && (ops[0] === 'BiasAdd' || ops[0] === 'Add'))
      throw new UnsupportedLayerError(n.name, n.op, 'has a bias that is not a constant');
    return { bias, activation, bn };
  };

  const emit = (node: FrozenNode) => nodes.push(node);
  /** x ∘ constant: a scalar becomes a rescale, a per-channel vector a scale-and-shift */
  const withConstant = (n: GraphNode, x: string, c: WeightArray, kind: 'add' | 'mul'): void => {
    if (c.data.length === 1) {
      const v = c.data[0]!;
      emit({ op: 'rescale', name: n.name, inputs: [x], scale: kind === 'mul' ? v : 1, offset: kind === 'add' ? v : 0 });
      return;
    }
    if (c.shape.slice(0, -1).some((d) => d !== 1)) throw new UnsupportedLayerError(n.name, n.op, 'combines with a constant that is not per channel');
    const len = c.data.length;
    emit({
      op: 'scaleShift',
      name: n.name,
      inputs: [x],
      scale: { shape: [len], data: kind === 'mul' ? c.data : new Float32Array(len).fill(1) },
      shift: { shape: [len], data: kind === 'add' ? c.data : new Float32Array(len) },
    });
  };

  for (const n of order) {
    const ins = dynamic(n);
    const all = (n.input ?? []).filter((i) => !i.startsWith('^'));
    switch (n.op) {
      case 'Placeholder':
        emit({ op: 'input', name: n.name, inputs: [] });
        break;
      case 'Identity':
      case 'StopGradient':
        emit({ op: 'identity', name: n.name, inputs: ins });
        break;
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative': {
        nhwcOnly(n);
        const filter = constOf(all[1]!);
        if (!filter) throw new UnsupportedLayerError(n.name, n.op, 'has a filter that is not a constant');
        const { bias, activation, bn } =
          n.op.startsWith('_Fused') || n.op.startsWith('Fused') ? fusedTail(n, all.slice(2)) : { bias: null, activation: 'linear' as Activation, bn: null };
        const s = ints(n, 'strides');
        const d = ints(n, 'dilations');
        const depthwise = n.op.includes('Depthwise');
        const conv: FrozenNode = {
          op: depthwise ? 'depthwise' : 'conv2d',
          name: bn ? `${n.name}/conv` : n.name,
          inputs: ins,
          filter,
          bias,
          strides: [s[1] ?? 1, s[2] ?? 1],
          dilations: [d[1] ?? 1, d[2] ?? 1],
          pad: padding(n),
          activation: bn ? 'linear' : activation,
        };
        emit(conv);
        if (bn) {
          emit({
            op: 'scaleShift',
            name: `${n.name}/bn`,
            inputs: [conv.name],
            scale: { shape: [bn.scale.length], data: bn.scale },
            shift: { shape: [bn.shift.length], data: bn.shift },
          });
          emit({ op: 'activation', name: n.name, inputs: [`${n.name}/bn`], activation });
        }
        break;
      }
      case 'MatMul':
      case '_FusedMatMul': {
        if (n.attr?.transpose_a?.b || n.attr?.transpose_b?.b) throw new UnsupportedLayerError(n.name, n.op, 'multiplies a transposed matrix');
        const kernel = constOf(all[1]!);
        if (!kernel) throw new UnsupportedLayerError(n.name, n.op, 'has weights that are not constants');
        const { bias, activation, bn } = n.op === '_FusedMatMul' ? fusedTail(n, all.slice(2)) : { bias: null, activation: 'linear' as Activation, bn: null };
        if (bn) throw new UnsupportedLayerError(n.name, n.op, 'fuses a BatchNorm');
        emit({ op: 'dense', name: n.name, inputs: ins, kernel, bias, activation });
        break;
      }
      case 'BiasAdd':
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
      case 'RealDiv':
      case 'Maximum':
      case 'Minimum': {
        if (ins.length === 2) {
          const op = ({ Add: 'add', AddV2: 'add', BiasAdd: 'add', Mul: 'multiply', Maximum: 'maximum', Minimum: 'minimum' } as const)[n.op as 'Add'];
          if (!op) throw new UnsupportedLayerError(n.name, n.op, 'combines two computed values this way');
          emit({ op, name: n.name, inputs: ins });
          break;
        }
        const constName = all.find((i) => consts.has(source(i)));
        const c = constName ? constOf(constName) : null;
        if (ins.length !== 1 || !c) throw new UnsupportedLayerError(n.name, n.op, 'has an operand this reader cannot follow');
        const constFirst = source(all[0]!) === source(constName!);
        if (n.op === 'Sub' && constFirst) {
          // c − x = (−1)·x + c
          emit({ op: 'rescale', name: `${n.name}/neg`, inputs: ins, scale: -1, offset: 0 });
          withConstant(n, `${n.name}/neg`, c, 'add');
        } else if (n.op === 'Sub') withConstant(n, ins[0]!, { shape: c.shape, data: c.data.map((v) => -v) }, 'add');
        else if (n.op === 'RealDiv' && !constFirst) withConstant(n, ins[0]!, { shape: c.shape, data: c.data.map((v) => 1 / v) }, 'mul');
        else if (n.op === 'Mul') withConstant(n, ins[0]!, c, 'mul');
        else if (n.op === 'Add' || n.op === 'AddV2' || n.op === 'BiasAdd') withConstant(n, ins[0]!, c, 'add');
        else if ((n.op === 'Maximum' || n.op === 'Minimum') && c.data.length === 1 && c.data[0] === 0 && n.op === 'Maximum')
          emit({ op: 'activation', name: n.name, inputs: ins, activation: 'relu' });
        else throw new UnsupportedLayerError(n.name, n.op, 'combines with a constant this way');
        break;
      }
      case 'FusedBatchNorm':
      case 'FusedBatchNormV3': {
        const [s, o, m, v] = all.slice(1, 5).map((a) => constOf(a)?.data);
        if (!s || !o || !m || !v) throw new UnsupportedLayerError(n.name, n.op, 'has statistics that are not constants');
        const eps = Number(n.attr?.epsilon?.f ?? 1e-3);
        const scale = s.map((g, c) => g / Math.sqrt(v[c]! + eps));
        emit({
          op: 'scaleShift',
          name: n.name,
          inputs: ins.slice(0, 1),
          scale: { shape: [scale.length], data: scale },
          shift: { shape: [scale.length], data: o.map((b, c) => b - m[c]! * scale[c]!) },
        });
        break;
      }
      case 'AvgPool':
      case 'MaxPool': {
        nhwcOnly(n);
        const k = ints(n, 'ksize');
        const s = ints(n, 'strides');
        const p = padding(n);
        if (Array.isArray(p)) throw new UnsupportedLayerError(n.name, n.op, 'pads explicitly');
        emit({ op: n.op === 'AvgPool' ? 'avgPool' : 'maxPool', name: n.name, inputs: ins, pool: [k[1]!, k[2]!], strides: [s[1]!, s[2]!], pad: p });
        break;
      }
      case 'Mean':
      case 'Max': {
        const axes = [...(constOf(all[1]!)?.data ?? [])].map((a) => (a < 0 ? a + 4 : a)).sort();
        if (axes.join() !== '1,2') throw new UnsupportedLayerError(n.name, n.op, `reduces axes ${axes.join(', ')}, not height and width`);
        emit({ op: n.op === 'Mean' ? 'globalAvgPool' : 'globalMaxPool', name: n.name, inputs: ins, keepDims: Boolean(n.attr?.keep_dims?.b) });
        break;
      }
      case 'Squeeze': {
        const dims = ints(n, 'squeeze_dims');
        if (dims.join() !== '1,2') throw new UnsupportedLayerError(n.name, n.op, `squeezes axes ${dims.join(', ')}`);
        emit({ op: 'flatten', name: n.name, inputs: ins });
        break;
      }
      case 'ConcatV2': {
        const axis = scalarOf(all[all.length - 1]!);
        if (axis === null) throw new UnsupportedLayerError(n.name, n.op, 'has an axis that is not a constant');
        emit({ op: 'concat', name: n.name, inputs: ins, axis: axis < 0 ? 4 + axis : axis });
        break;
      }
      case 'Pad':
      case 'PadV2': {
        const p = constOf(all[1]!)?.data;
        if (!p || p.length !== 8 || p[0] || p[1] || p[6] || p[7]) throw new UnsupportedLayerError(n.name, n.op, 'pads other than height and width');
        if (n.op === 'PadV2' && scalarOf(all[2]!) !== 0) throw new UnsupportedLayerError(n.name, n.op, 'pads with a value other than zero');
        emit({
          op: 'pad',
          name: n.name,
          inputs: ins,
          paddings: [
            [p[2]!, p[3]!],
            [p[4]!, p[5]!],
          ],
        });
        break;
      }
      case 'Reshape': {
        const shape = constOf(all[1]!)?.data;
        if (!shape) throw new UnsupportedLayerError(n.name, n.op, 'has a shape that is not a constant');
        emit({ op: 'reshape', name: n.name, inputs: ins, shape: [...shape.slice(1)] });
        break;
      }
      default: {
        const a = activations[n.op];
        if (!a) throw new UnsupportedLayerError(n.name, n.op, 'has no translation outside TF.js');
        emit({ op: 'activation', name: n.name, inputs: ins, activation: a });
      }
    }
  }
  if (nodes.filter((x) => x.op === 'input').length !== 1) throw new UnsupportedLayerError(outputName, 'graph', 'does not read exactly one input');
  return { nodes, output: source(outputName), inputShape };
}
