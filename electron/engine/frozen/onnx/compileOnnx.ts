import { rangeScaleOffset, type Preprocessing } from '../../../../shared/preprocessing';
import { UnsupportedLayerError, valueRanks, type Activation, type FrozenGraph, type FrozenNode, type Padding, type WeightArray } from '../frozenGraph';
import { OnnxBuilder, opsetVersion } from './onnxBuilder';

/**
 * Translates a FrozenGraph (channels-last, as TF.js runs it) into an ONNX model. ONNX's
 * convolutions and poolings are channels-first, so image values (rank 4) live as NCHW inside
 * the graph: the input is transposed once after the preprocessing, and back only where
 * channels-last order is observable (Flatten, Reshape, Dense on an image, the output).
 * ONNX Runtime's optimiser removes the transposes that cancel out.
 *
 * The model takes pixels as they come out of the decoder — float32 [batch, height, width, 3]
 * with values 0..255, already resized — and applies the model's value range itself, so an
 * exported .onnx needs nothing but a resize in front. Its output is always [batch, features]:
 * a rank-4 output is flattened in channels-last order, as the bottleneck cache stores it.
 */
export interface CompileOptions {
  preprocessing: Preprocessing;
  /** output name: 'features' for the extractor, 'probabilities' for an exported classifier */
  outputName?: string;
  /** size of the output's second axis, where known */
  outputDim?: number;
  graphName?: string;
  metadata?: Record<string, string>;
  producerVersion?: string;
  docString?: string;
}

export interface CompiledOnnx {
  bytes: Uint8Array;
  inputName: string;
  outputName: string;
  nodes: number;
  opset: number;
}

interface Value {
  name: string;
  rank: number;
}

const toNchw = [0, 3, 1, 2];
const toNhwc = [0, 2, 3, 1];

/** TF [kh, kw, in, out] → ONNX [out, in, kh, kw] */
function convWeights(f: WeightArray): { data: Float32Array; dims: number[] } {
  const [kh, kw, cin, cout] = f.shape as [number, number, number, number];
  const out = new Float32Array(f.data.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
    out[((o * cin + i) * kh + y) * kw + x] = f.data[((y * kw + x) * cin + i) * cout + o]!;
  }
  return { data: out, dims: [cout, cin, kh, kw] };
}

/** TF depthwise [kh, kw, in, mult] → ONNX grouped [in·mult, 1, kh, kw]; output channel c·mult + m, as TF orders it */
function depthwiseWeights(f: WeightArray): { data: Float32Array; dims: number[] } {
  const [kh, kw, cin, mult] = f.shape as [number, number, number, number];
  const out = new Float32Array(f.data.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) for (let m = 0; m < mult; m++) {
    out[((c * mult + m) * kh + y) * kw + x] = f.data[((y * kw + x) * cin + c) * mult + m]!;
  }
  return { data: out, dims: [cin * mult, 1, kh, kw] };
}

function padAttrs(pad: Padding): Record<string, string | number[]> {
  // TF's 'same' puts the odd pixel of padding after, which is ONNX's SAME_UPPER
  if (pad === 'same') return { auto_pad: 'SAME_UPPER' };
  if (pad === 'valid') return { pads: [0, 0, 0, 0] };
  return { pads: [pad[0][0], pad[1][0], pad[0][1], pad[1][1]] };
}

export function compileOnnx(g: FrozenGraph, o: CompileOptions): CompiledOnnx {
  const b = new OnnxBuilder();
  const ranks = valueRanks(g);
  const values = new Map<string, Value>();
  const inputName = b.reserve('pixels');
  const outputName = b.reserve(o.outputName ?? 'features');

  const nhwc = (v: Value) => (v.rank === 4 ? b.node('Transpose', [v.name], { perm: toNhwc }, `${v.name}/nhwc`) : v.name);
  const backToNchw = (name: string, rank: number, hint: string): Value => (rank === 4 ? { name: b.node('Transpose', [name], { perm: toNchw }, hint), rank } : { name, rank });

  const activate = (v: Value, a: Activation, hint: string): Value => {
    const x = v.name;
    const one = (op: string, attrs: Record<string, number | { float: number }> = {}) => ({ name: b.node(op, [x], attrs, hint), rank: v.rank });
    switch (a) {
      case 'linear':
        return v;
      case 'relu':
        return one('Relu');
      case 'relu6':
        return { name: b.node('Clip', [x, b.scalar('zero', 0), b.scalar('six', 6)], {}, hint), rank: v.rank };
      case 'sigmoid':
        return one('Sigmoid');
      case 'tanh':
        return one('Tanh');
      case 'elu':
        return one('Elu', { alpha: { float: 1 } });
      case 'selu':
        return one('Selu');
      case 'softplus':
        return one('Softplus');
      case 'softsign':
        return one('Softsign');
      case 'hardSigmoid':
        return one('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } });
      case 'swish':
        return { name: b.node('Mul', [x, b.node('Sigmoid', [x], {}, `${hint}/sigmoid`)], {}, hint), rank: v.rank };
      case 'softmax':
        // channels are axis 1 of an NCHW image, the last axis otherwise
        return one('Softmax', { axis: v.rank === 4 ? 1 : -1 });
    }
  };

  const translate = (n: FrozenNode, ins: Value[]): Value => {
    const a = ins[0]!;
    const rankOut = ranks.get(n.name) ?? 4;
    switch (n.op) {
      case 'input': {
        const { scale, offset } = rangeScaleOffset(o.preprocessing);
        const scaled = b.node('Mul', [inputName, b.scalar('pixel_scale', scale)], {}, 'preprocess/scale');
        const shifted = b.node('Add', [scaled, b.scalar('pixel_offset', offset)], {}, 'preprocess/offset');
        return { name: b.node('Transpose', [shifted], { perm: toNchw }, 'preprocess/nchw'), rank: 4 };
      }
      case 'conv2d':
      case 'depthwise': {
        const w = n.op === 'conv2d' ? convWeights(n.filter) : depthwiseWeights(n.filter);
        const inputs = [a.name, b.floats(`${n.name}/W`, w.data, w.dims)];
        if (n.bias) inputs.push(b.floats(`${n.name}/B`, n.bias.data, [n.bias.data.length]));
        const y = b.node('Conv', inputs, {
          kernel_shape: w.dims.slice(2),
          strides: n.strides,
          dilations: n.dilations,
          group: n.op === 'depthwise' ? n.filter.shape[2]! : 1,
          ...padAttrs(n.pad),
        }, n.name);
        return activate({ name: y, rank: 4 }, n.activation, `${n.name}/act`);
      }
      case 'dense': {
        const units = n.kernel.shape[1]!;
        const k = b.floats(`${n.name}/W`, n.kernel.data, n.kernel.shape);
        const bias = n.bias ? b.floats(`${n.name}/B`, n.bias.data, [units]) : null;
        let y: Value;
        if (a.rank === 2) {
          y = { name: b.node('Gemm', bias ? [a.name, k, bias] : [a.name, k], {}, n.name), rank: 2 };
        } else {
          // Keras's Dense acts on the last axis: the channels of an image
          const m = b.node('MatMul', [nhwc(a), k], {}, n.name);
          y = backToNchw(bias ? b.node('Add', [m, bias], {}, `${n.name}/bias`) : m, a.rank, `${n.name}/nchw`);
        }
        return activate(y, n.activation, `${n.name}/act`);
      }
      case 'scaleShift': {
        const c = n.scale.data.length;
        const dims = a.rank === 4 ? [c, 1, 1] : [c];
        const m = b.node('Mul', [a.name, b.floats(`${n.name}/scale`, n.scale.data, dims)], {}, `${n.name}/mul`);
        return { name: b.node('Add', [m, b.floats(`${n.name}/shift`, n.shift.data, dims)], {}, n.name), rank: a.rank };
      }
      case 'activation':
        return activate(a, n.activation, n.name);
      case 'add':
      case 'multiply':
      case 'maximum':
      case 'minimum':
      case 'average': {
        if (ins.some((v) => v.rank !== a.rank)) throw new UnsupportedLayerError(n.name, n.op, 'merges inputs of different ranks');
        const names = ins.map((v) => v.name);
        if (n.op === 'multiply') return { name: names.slice(1).reduce((p, q, i) => b.node('Mul', [p, q], {}, i === names.length - 2 ? n.name : `${n.name}/${i}`), names[0]!), rank: a.rank };
        const op = { add: 'Sum', maximum: 'Max', minimum: 'Min', average: 'Mean' }[n.op];
        return { name: b.node(op, names, {}, n.name), rank: a.rank };
      }
      case 'concat': {
        if (ins.some((v) => v.rank !== a.rank)) throw new UnsupportedLayerError(n.name, 'Concatenate', 'joins inputs of different ranks');
        const axis = a.rank === 4 ? toNchw.indexOf(n.axis) : n.axis;
        return { name: b.node('Concat', ins.map((v) => v.name), { axis }, n.name), rank: a.rank };
      }
      case 'pad': {
        const [[t, bottom], [l, r]] = n.paddings;
        return { name: b.node('Pad', [a.name, b.int64s(`${n.name}/pads`, [0, 0, t, l, 0, 0, bottom, r])], { mode: 'constant' }, n.name), rank: 4 };
      }
      case 'maxPool':
      case 'avgPool': {
        const attrs = { kernel_shape: n.pool, strides: n.strides, ...padAttrs(n.pad) };
        // TF leaves the padding out of an average, as ONNX does with count_include_pad 0
        return { name: b.node(n.op === 'maxPool' ? 'MaxPool' : 'AveragePool', [a.name], n.op === 'avgPool' ? { ...attrs, count_include_pad: 0 } : attrs, n.name), rank: 4 };
      }
      case 'globalAvgPool':
      case 'globalMaxPool': {
        const pooled = b.node(n.op === 'globalAvgPool' ? 'GlobalAveragePool' : 'GlobalMaxPool', [a.name], {}, n.keepDims ? n.name : `${n.name}/pool`);
        return n.keepDims ? { name: pooled, rank: 4 } : { name: b.node('Flatten', [pooled], { axis: 1 }, n.name), rank: 2 };
      }
      case 'flatten':
        return { name: b.node('Flatten', [nhwc(a)], { axis: 1 }, n.name), rank: 2 };
      case 'identity':
        return a;
      case 'reshape': {
        const y = b.node('Reshape', [nhwc(a), b.int64s(`${n.name}/shape`, [0, ...n.shape])], {}, n.name);
        return backToNchw(y, rankOut, `${n.name}/nchw`);
      }
      case 'rescale': {
        const m = b.node('Mul', [a.name, b.scalar(`${n.name}/scale`, n.scale)], {}, `${n.name}/mul`);
        return { name: b.node('Add', [m, b.scalar(`${n.name}/offset`, n.offset)], {}, n.name), rank: a.rank };
      }
    }
  };

  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => {
      const v = values.get(i);
      if (!v) throw new UnsupportedLayerError(n.name, n.op, `reads ${i}, which comes later in the graph`);
      return v;
    });
    values.set(n.name, translate(n, ins));
  }
  const last = values.get(g.output);
  if (!last) throw new UnsupportedLayerError(g.output, '?', 'is not in the graph');
  const flat = last.rank === 2 ? last.name : b.node('Flatten', [nhwc(last)], { axis: 1 }, 'output/flatten');
  b.nodeTo(outputName, 'Identity', [flat]);
  const [h, w] = g.inputShape;
  const bytes = b.encode({
    graphName: o.graphName ?? 'transfer_lab_frozen',
    input: { name: inputName, dims: ['batch', h && h > 0 ? h : o.preprocessing.height, w && w > 0 ? w : o.preprocessing.width, 3] },
    output: { name: outputName, dims: ['batch', o.outputDim ?? null] },
    ...(o.metadata ? { metadata: o.metadata } : {}),
    ...(o.producerVersion ? { producerVersion: o.producerVersion } : {}),
    ...(o.docString ? { docString: o.docString } : {}),
  });
  return { bytes, inputName, outputName, nodes: b.nodeCount, opset: opsetVersion };
}
