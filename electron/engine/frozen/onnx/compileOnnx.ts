import { rangeScaleOffset, type Preprocessing } from '../../../../shared/preprocessing';
import { UnsupportedLayerError, valueRanks, type Activation, type FrozenGraph, type FrozenNode, type WeightArray } from '../frozenGraph';
import { OnnxBuilder, opsetVersion } from './onnxBuilder';
import { windowPads } from '../windowPads';

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
  /**
   * uint8: the pixels as the decoder gives them, cast inside the graph — a quarter of the
   * bytes to copy and no conversion loop in JavaScript (the extractor); float32 (default):
   * what TensorRT and most tools expect of an exported model.
   */
  pixelType?: 'float32' | 'uint8';
  /**
   * The input's height and width are free and the graph resizes (bilinear, half-pixel
   * centres) to the model's own: the extractor hands small images over as they decode, a
   * fraction of the bytes, and the runtime's resize costs a quarter of the decoder's.
   */
  resizeInside?: boolean;
  /**
   * For an exported classifier: only ops that older importers take as well. OpenCV 4.6's dnn
   * module (Debian 12, Ubuntu 24.04; JetPack ships OpenCV with Python) refuses a Clip whose
   * bounds are inputs (opset 11 and later) and the head's Gemm. So ReLU6 is
   * written relu(x) − relu(x − 6) and a Dense layer MatMul then Add: the same values (within a
   * float's rounding above 6). The extractor keeps Clip and Gemm, which ONNX Runtime fuses.
   */
  portable?: boolean;
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
  pixelType: 'float32' | 'uint8';
  outputName: string;
  nodes: number;
  opset: number;
}

interface Value {
  name: string;
  rank: number;
  /** height and width of an image value (rank 4) */
  hw?: [number, number];
}

const toNchw = [0, 3, 1, 2];
const toNhwc = [0, 2, 3, 1];

/** TF [kh, kw, in, out] → ONNX [out, in, kh, kw] */
function convWeights(f: WeightArray): { data: Float32Array; dims: number[] } {
  const [kh, kw, cin, cout] = f.shape as [number, number, number, number];
  const out = new Float32Array(f.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) {
          out[((o * cin + i) * kh + y) * kw + x] = f.data[((y * kw + x) * cin + i) * cout + o]!;
        }
  return { data: out, dims: [cout, cin, kh, kw] };
}

/** TF depthwise [kh, kw, in, mult] → ONNX grouped [in·mult, 1, kh, kw]; output channel c·mult + m, as TF orders it */
function depthwiseWeights(f: WeightArray): { data: Float32Array; dims: number[] } {
  const [kh, kw, cin, mult] = f.shape as [number, number, number, number];
  const out = new Float32Array(f.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let m = 0; m < mult; m++) {
          out[((c * mult + m) * kh + y) * kw + x] = f.data[((y * kw + x) * cin + c) * mult + m]!;
        }
  return { data: out, dims: [cin * mult, 1, kh, kw] };
}

export function compileOnnx(g: FrozenGraph, o: CompileOptions): CompiledOnnx {
  const b = new OnnxBuilder();
  const ranks = valueRanks(g);
  const values = new Map<string, Value>();
  const inputName = b.reserve('pixels');
  const outputName = b.reserve(o.outputName ?? 'features');

  const [h0, w0] = g.inputShape;
  const inputHw: [number, number] = [h0 && h0 > 0 ? h0 : o.preprocessing.height, w0 && w0 > 0 ? w0 : o.preprocessing.width];
  const hwOf = (v: Value, at: string): [number, number] => {
    if (!v.hw) throw new UnsupportedLayerError(at, '?', 'reads an image whose size is not known');
    return v.hw;
  };
  const nhwc = (v: Value) => (v.rank === 4 ? b.node('Transpose', [v.name], { perm: toNhwc }, `${v.name}/nhwc`) : v.name);
  const backToNchw = (name: string, rank: number, hint: string): Value =>
    rank === 4 ? { name: b.node('Transpose', [name], { perm: toNchw }, hint), rank } : { name, rank };

  const activate = (v: Value, a: Activation, hint: string): Value => {
    const x = v.name;
    const one = (op: string, attrs: Record<string, number | { float: number }> = {}): Value => ({ ...v, name: b.node(op, [x], attrs, hint) });
    switch (a) {
      case 'linear':
        return v;
      case 'relu':
        return one('Relu');
      case 'relu6':
        if (o.portable) {
          const over = b.node('Relu', [b.node('Sub', [x, b.scalar('six', 6)], {}, `${hint}/minus6`)], {}, `${hint}/over6`);
          return { ...v, name: b.node('Sub', [b.node('Relu', [x], {}, `${hint}/relu`), over], {}, hint) };
        }
        return { ...v, name: b.node('Clip', [x, b.scalar('zero', 0), b.scalar('six', 6)], {}, hint) };
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
        return { ...v, name: b.node('Mul', [x, b.node('Sigmoid', [x], {}, `${hint}/sigmoid`)], {}, hint) };
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
        const pixels = o.pixelType === 'uint8' ? b.node('Cast', [inputName], { to: 1 }, 'preprocess/float') : inputName;
        const scaled = b.node('Mul', [pixels, b.scalar('pixel_scale', scale)], {}, 'preprocess/scale');
        const shifted = b.node('Add', [scaled, b.scalar('pixel_offset', offset)], {}, 'preprocess/offset');
        const nchw = b.node('Transpose', [shifted], { perm: toNchw }, 'preprocess/nchw');
        if (!o.resizeInside) return { name: nchw, rank: 4, hw: inputHw };
        // the value range is applied first, on the smaller image: it commutes with interpolation
        const batchAndChannels = b.node(
          'Slice',
          [b.node('Shape', [nchw], {}, 'preprocess/shape'), b.int64s('preprocess/from', [0]), b.int64s('preprocess/to', [2])],
          {},
          'preprocess/nc',
        );
        const sizes = b.node('Concat', [batchAndChannels, b.int64s('preprocess/hw', inputHw)], { axis: 0 }, 'preprocess/sizes');
        const resized = b.node('Resize', [nchw, '', '', sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, 'preprocess/resize');
        return { name: resized, rank: 4, hw: inputHw };
      }
      case 'conv2d':
      case 'depthwise': {
        const w = n.op === 'conv2d' ? convWeights(n.filter) : depthwiseWeights(n.filter);
        const inputs = [a.name, b.floats(`${n.name}/W`, w.data, w.dims)];
        if (n.bias) inputs.push(b.floats(`${n.name}/B`, n.bias.data, [n.bias.data.length]));
        const kernel = w.dims.slice(2) as [number, number];
        const { pads, out } = windowPads(n.pad, hwOf(a, n.name), kernel, n.strides, n.dilations);
        const y = b.node(
          'Conv',
          inputs,
          { kernel_shape: kernel, strides: n.strides, dilations: n.dilations, group: n.op === 'depthwise' ? n.filter.shape[2]! : 1, pads },
          n.name,
        );
        return activate({ name: y, rank: 4, hw: out }, n.activation, `${n.name}/act`);
      }
      case 'dense': {
        const units = n.kernel.shape[1]!;
        const k = b.floats(`${n.name}/W`, n.kernel.data, n.kernel.shape);
        const bias = n.bias ? b.floats(`${n.name}/B`, n.bias.data, [units]) : null;
        let y: Value;
        if (a.rank === 2) {
          if (o.portable) {
            const m = b.node('MatMul', [a.name, k], {}, bias ? `${n.name}/matmul` : n.name);
            y = { name: bias ? b.node('Add', [m, bias], {}, n.name) : m, rank: 2 };
          } else y = { name: b.node('Gemm', bias ? [a.name, k, bias] : [a.name, k], {}, n.name), rank: 2 };
        } else {
          // Keras's Dense acts on the last axis: the channels of an image
          const m = b.node('MatMul', [nhwc(a), k], {}, n.name);
          y = { ...backToNchw(bias ? b.node('Add', [m, bias], {}, `${n.name}/bias`) : m, a.rank, `${n.name}/nchw`), ...(a.hw ? { hw: a.hw } : {}) };
        }
        return activate(y, n.activation, `${n.name}/act`);
      }
      case 'scaleShift': {
        const c = n.scale.data.length;
        const dims = a.rank === 4 ? [c, 1, 1] : [c];
        const m = b.node('Mul', [a.name, b.floats(`${n.name}/scale`, n.scale.data, dims)], {}, `${n.name}/mul`);
        return { ...a, name: b.node('Add', [m, b.floats(`${n.name}/shift`, n.shift.data, dims)], {}, n.name) };
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
        // broadcasting (a squeeze-and-excitation scale of 1×1) keeps the largest size
        const hw = ins.map((v) => v.hw).reduce<[number, number] | undefined>((p, q) => (q && (!p || q[0] * q[1] > p[0] * p[1]) ? q : p), undefined);
        const shaped = (name: string): Value => ({ name, rank: a.rank, ...(hw ? { hw } : {}) });
        if (n.op === 'multiply')
          return shaped(names.slice(1).reduce((p, q, i) => b.node('Mul', [p, q], {}, i === names.length - 2 ? n.name : `${n.name}/${i}`), names[0]!));
        const op = { add: 'Sum', maximum: 'Max', minimum: 'Min', average: 'Mean' }[n.op];
        return shaped(b.node(op, names, {}, n.name));
      }
      case 'concat': {
        if (ins.some((v) => v.rank !== a.rank)) throw new UnsupportedLayerError(n.name, 'Concatenate', 'joins inputs of different ranks');
        const axis = a.rank === 4 ? toNchw.indexOf(n.axis) : n.axis;
        return {
          ...a,
          name: b.node(
            'Concat',
            ins.map((v) => v.name),
            { axis },
            n.name,
          ),
        };
      }
      case 'pad': {
        const [[t, bottom], [l, r]] = n.paddings;
        const [h, w] = hwOf(a, n.name);
        return {
          name: b.node('Pad', [a.name, b.int64s(`${n.name}/pads`, [0, 0, t, l, 0, 0, bottom, r])], { mode: 'constant' }, n.name),
          rank: 4,
          hw: [h + t + bottom, w + l + r],
        };
      }
      case 'maxPool':
      case 'avgPool': {
        const { pads, out } = windowPads(n.pad, hwOf(a, n.name), n.pool, n.strides);
        const attrs = { kernel_shape: n.pool, strides: n.strides, pads };
        // TF leaves the padding out of an average, as ONNX does with count_include_pad 0
        return {
          name: b.node(n.op === 'maxPool' ? 'MaxPool' : 'AveragePool', [a.name], n.op === 'avgPool' ? { ...attrs, count_include_pad: 0 } : attrs, n.name),
          rank: 4,
          hw: out,
        };
      }
      case 'globalAvgPool':
      case 'globalMaxPool': {
        const pooled = b.node(n.op === 'globalAvgPool' ? 'GlobalAveragePool' : 'GlobalMaxPool', [a.name], {}, n.keepDims ? n.name : `${n.name}/pool`);
        return n.keepDims ? { name: pooled, rank: 4, hw: [1, 1] } : { name: b.node('Flatten', [pooled], { axis: 1 }, n.name), rank: 2 };
      }
      case 'flatten':
        return { name: b.node('Flatten', [nhwc(a)], { axis: 1 }, n.name), rank: 2 };
      case 'identity':
        return a;
      case 'reshape': {
        const y = b.node('Reshape', [nhwc(a), b.int64s(`${n.name}/shape`, [0, ...n.shape])], {}, n.name);
        if (rankOut === 4 && n.shape.slice(0, 2).some((d) => d < 0)) throw new UnsupportedLayerError(n.name, 'Reshape', 'leaves the height or width open');
        return { ...backToNchw(y, rankOut, `${n.name}/nchw`), ...(rankOut === 4 ? { hw: [n.shape[0]!, n.shape[1]!] as [number, number] } : {}) };
      }
      case 'rescale': {
        const m = b.node('Mul', [a.name, b.scalar(`${n.name}/scale`, n.scale)], {}, `${n.name}/mul`);
        return { ...a, name: b.node('Add', [m, b.scalar(`${n.name}/offset`, n.offset)], {}, n.name) };
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
  const bytes = b.encode({
    graphName: o.graphName ?? 'transfer_lab_frozen',
    input: { name: inputName, type: o.pixelType ?? 'float32', dims: o.resizeInside ? ['batch', 'height', 'width', 3] : ['batch', inputHw[0], inputHw[1], 3] },
    output: { name: outputName, dims: ['batch', o.outputDim ?? null] },
    ...(o.metadata ? { metadata: o.metadata } : {}),
    ...(o.producerVersion ? { producerVersion: o.producerVersion } : {}),
    ...(o.docString ? { docString: o.docString } : {}),
  });
  return { bytes, inputName, pixelType: o.pixelType ?? 'float32', outputName, nodes: b.nodeCount, opset: opsetVersion };
}
