import { rangeScaleOffset, type Preprocessing } from '../../../../shared/preprocessing';
import { UnsupportedLayerError, type Activation, type FrozenGraph, type FrozenNode, type WeightArray } from '../frozenGraph';
import { windowPads } from '../windowPads';
import {
  activationWgsl,
  concatSliceKernel,
  depthwiseKernel,
  elementwiseKernel,
  gemmConvKernel,
  gemmTile,
  globalPoolKernel,
  mapKernel,
  padKernel,
  poolKernel,
  preprocessKernel,
  threads,
  type ConvShape,
} from './wgslKernels';

/**
 * The frozen graph compiled to WGSL compute shaders of our own (wgslKernels.ts), as a plan a
 * WebGPU device runs (wgslSession.ts): one dispatch per op, convolution + bias + activation in
 * one kernel. Values live in "slots" — storage buffers reused once every reader of the value
 * has run — sized per image, so the session sizes them for the batch it plans. Reshapes,
 * flattens and identities are free: channels-last values are already laid out as TF.js's.
 */

/** where a dispatch reads or writes: the pixels, a slot, or a weight array */
export type Binding = { kind: 'pixels' } | { kind: 'slot'; slot: number } | { kind: 'weights'; index: number };

export interface WgslStep {
  name: string;
  code: string;
  /** inputs first, the output last (after binding 0, the shared uniform) */
  bindings: Binding[];
  /** the workgroups for a batch of n */
  workgroups: (n: number) => [number, number];
}

export interface WgslPlan {
  /** the model's input [height, width] */
  input: [number, number];
  /** floats per image of each slot */
  slots: number[];
  weights: Float32Array[];
  steps: WgslStep[];
  /** the slot the features end in, and how many per image */
  output: { slot: number; perImage: number };
  /** GEMM rows per image of the largest convolution: workgroups along y are ⌈n · rows / 32⌉ */
  maxGemmRowsPerImage: number;
}

type Shape = number[]; // per image: [h, w, c] or [c]

const maxGroups = 65535;
/** one thread per output: groups spread over x and y when they pass the 65,535 a dimension allows */
const flatGroups =
  (perImage: number) =>
  (n: number): [number, number] => {
    const groups = Math.ceil((n * perImage) / threads);
    return [Math.min(groups, maxGroups), Math.ceil(groups / maxGroups)];
  };
const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

export function compileWgsl(g: FrozenGraph, preprocessing: Preprocessing): WgslPlan {
  const [h0, w0] = g.inputShape;
  const input: [number, number] = [h0 && h0 > 0 ? h0 : preprocessing.height, w0 && w0 > 0 ? w0 : preprocessing.width];
  const shapes = new Map<string, Shape>();
  // aliases: values that are another value's memory under another shape
  const root = new Map<string, string>();
  const rootOf = (v: string) => root.get(v) ?? v;
  const weights: Float32Array[] = [];
  const weight = (w: WeightArray | Float32Array) => weights.push(w instanceof Float32Array ? w : w.data) - 1;

  const shapeOf = (v: string, at: FrozenNode) => {
    const s = shapes.get(v);
    if (!s) throw new UnsupportedLayerError(at.name, at.op, `reads ${v}, which has no value`);
    return s;
  };

  interface Pending {
    node: FrozenNode;
    code: string;
    reads: (string | { weights: number })[];
    out: string;
    workgroups: (n: number) => [number, number];
  }
  const pending: Pending[] = [];
  let maxGemmRows = 0;
  const scaleOffset = rangeScaleOffset(preprocessing);

  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => shapeOf(i, n));
    const a = ins[0]!;
    const unsupported = (detail: string) => new UnsupportedLayerError(n.name, n.op, `has no WGSL kernel: ${detail}`);
    const needsActivation = (a: Activation) => {
      if (activationWgsl(a) === null) throw unsupported(`activation ${a}`);
    };
    const image = () => {
      if (a.length !== 3) throw unsupported(`needs an image, got rank ${a.length + 1}`);
      return a as [number, number, number];
    };
    const emit = (out: Shape, code: string, reads: Pending['reads'], workgroups?: Pending['workgroups']) => {
      shapes.set(n.name, out);
      pending.push({ node: n, code, reads, out: n.name, workgroups: workgroups ?? flatGroups(size(out)) });
    };
    const alias = (out: Shape) => {
      if (size(out) !== size(a)) throw unsupported(`reshapes ${size(a)} values into ${size(out)}`);
      shapes.set(n.name, out);
      root.set(n.name, rootOf(n.inputs[0]!));
    };
    switch (n.op) {
      case 'input':
        emit([...input, 3], preprocessKernel({ height: input[0], width: input[1], ...scaleOffset }), ['pixels']);
        break;
      case 'conv2d':
      case 'depthwise': {
        const [ih, iw, ic] = image();
        const [kh, kw] = n.filter.shape as [number, number];
        const { pads, out } = windowPads(n.pad, [ih, iw], [kh, kw], n.strides, n.dilations);
        needsActivation(n.activation);
        const mult = n.op === 'depthwise' ? n.filter.shape[3]! : 1;
        const oc = n.op === 'depthwise' ? ic * mult : n.filter.shape[3]!;
        if (n.filter.shape[2] !== ic) throw unsupported(`a filter for ${n.filter.shape[2]} channels reads ${ic}`);
        const s: ConvShape = {
          inH: ih,
          inW: iw,
          inC: ic,
          outH: out[0],
          outW: out[1],
          outC: oc,
          kh,
          kw,
          strides: n.strides,
          dilations: n.dilations,
          pads: [pads[0]!, pads[1]!],
        };
        const bias = weight(n.bias ?? new Float32Array(oc));
        const filter = weight(n.filter);
        if (n.op === 'depthwise') emit([out[0], out[1], oc], depthwiseKernel(s, mult, n.activation), [n.inputs[0]!, { weights: filter }, { weights: bias }]);
        else {
          const rows = out[0] * out[1];
          maxGemmRows = Math.max(maxGemmRows, rows);
          emit([out[0], out[1], oc], gemmConvKernel(s, n.activation), [n.inputs[0]!, { weights: filter }, { weights: bias }], (b) => [
            Math.ceil(oc / gemmTile),
            Math.ceil((b * rows) / gemmTile),
          ]);
        }
        break;
      }
      case 'dense': {
        // Keras's Dense acts on the last axis: a pointwise convolution over every position
        const [cin, cout] = n.kernel.shape as [number, number];
        if (a[a.length - 1] !== cin) throw unsupported(`a kernel for ${cin} inputs reads ${a[a.length - 1]}`);
        needsActivation(n.activation);
        const rows = size(a) / cin;
        const s: ConvShape = { inH: rows, inW: 1, inC: cin, outH: rows, outW: 1, outC: cout, kh: 1, kw: 1, strides: [1, 1], dilations: [1, 1], pads: [0, 0] };
        maxGemmRows = Math.max(maxGemmRows, rows);
        const bias = weight(n.bias ?? new Float32Array(cout));
        emit([...a.slice(0, -1), cout], gemmConvKernel(s, n.activation), [n.inputs[0]!, { weights: weight(n.kernel) }, { weights: bias }], (b) => [
          Math.ceil(cout / gemmTile),
          Math.ceil((b * rows) / gemmTile),
        ]);
        break;
      }
      case 'scaleShift': {
        const channels = a[a.length - 1]!;
        if (n.scale.data.length !== channels || n.shift.data.length !== channels) throw unsupported('scale and shift are not per channel');
        emit(a, mapKernel(size(a), { channels }), [n.inputs[0]!, { weights: weight(n.scale) }, { weights: weight(n.shift) }]);
        break;
      }
      case 'activation':
        needsActivation(n.activation);
        emit(a, mapKernel(size(a), { activation: n.activation }), [n.inputs[0]!]);
        break;
      case 'rescale':
        emit(a, mapKernel(size(a), { scale: n.scale, offset: n.offset }), [n.inputs[0]!]);
        break;
      case 'add':
      case 'multiply':
      case 'maximum':
      case 'minimum':
      case 'average':
        if (ins.some((s) => s.join() !== a.join())) throw unsupported(`inputs of shapes ${ins.map((s) => s.join('×')).join(', ')}`);
        emit(a, elementwiseKernel(size(a), ins.length, n.op), [...n.inputs]);
        break;
      case 'concat': {
        const rank = a.length + 1;
        const axis = n.axis < 0 ? n.axis + rank : n.axis;
        if (axis !== rank - 1) throw unsupported(`concatenates along axis ${n.axis}, not channels`);
        if (ins.some((s) => s.slice(0, -1).join() !== a.slice(0, -1).join())) throw unsupported('inputs differ in size');
        const total = ins.reduce((t, s) => t + s[s.length - 1]!, 0);
        const out = [...a.slice(0, -1), total];
        shapes.set(n.name, out);
        const pixels = size(a) / a[a.length - 1]!;
        let offset = 0;
        ins.forEach((s, k) => {
          const channels = s[s.length - 1]!;
          pending.push({
            node: n,
            code: concatSliceKernel({ pixels, channels, total, offset }),
            reads: [n.inputs[k]!],
            out: n.name,
            workgroups: flatGroups(pixels * channels),
          });
          offset += channels;
        });
        break;
      }
      case 'pad': {
        const [ih, iw, c] = image();
        const [[top, bottom], [left, right]] = n.paddings;
        const out = [ih + top + bottom, iw + left + right, c];
        emit(out, padKernel({ inH: ih, inW: iw, channels: c, outH: out[0]!, outW: out[1]!, top, left }), [n.inputs[0]!]);
        break;
      }
      case 'maxPool':
      case 'avgPool': {
        const [ih, iw, c] = image();
        const { pads, out } = windowPads(n.pad, [ih, iw], n.pool, n.strides);
        const s: ConvShape = {
          inH: ih,
          inW: iw,
          inC: c,
          outH: out[0],
          outW: out[1],
          outC: c,
          kh: n.pool[0],
          kw: n.pool[1],
          strides: n.strides,
          dilations: [1, 1],
          pads: [pads[0]!, pads[1]!],
        };
        emit([out[0], out[1], c], poolKernel(s, n.op === 'maxPool' ? 'max' : 'avg'), [n.inputs[0]!]);
        break;
      }
      case 'globalAvgPool':
      case 'globalMaxPool': {
        const [ih, iw, c] = image();
        emit(n.keepDims ? [1, 1, c] : [c], globalPoolKernel({ pixels: ih * iw, channels: c }, n.op === 'globalMaxPool' ? 'max' : 'avg'), [n.inputs[0]!]);
        break;
      }
      case 'flatten':
        alias([size(a)]);
        break;
      case 'identity':
        alias(a);
        break;
      case 'reshape':
        alias(n.shape);
        break;
    }
  }
  if (!shapes.has(g.output)) throw new UnsupportedLayerError(g.output, 'output', 'is not computed by the graph');

  // slots: a value takes a free slot (or a new one) when written, and frees it after its last reader
  const lastRead = new Map<string, number>();
  pending.forEach((p, k) => {
    for (const r of p.reads) if (typeof r === 'string' && r !== 'pixels') lastRead.set(rootOf(r), k);
  });
  lastRead.set(rootOf(g.output), Number.POSITIVE_INFINITY);
  const slotOf = new Map<string, number>();
  const slots: number[] = [];
  const free: number[] = [];
  const steps: WgslStep[] = [];
  pending.forEach((p, k) => {
    const out = rootOf(p.out);
    if (!slotOf.has(out)) {
      const need = size(shapes.get(p.out)!);
      // the free slot closest in size; grown where none is big enough
      free.sort((x, y) => slots[x]! - slots[y]!);
      const fit = free.findIndex((s) => slots[s]! >= need);
      const slot = fit >= 0 ? free.splice(fit, 1)[0]! : free.length ? free.pop()! : slots.push(0) - 1;
      slots[slot] = Math.max(slots[slot]!, need);
      slotOf.set(out, slot);
    }
    const bindings: Binding[] = p.reads.map((r) =>
      r === 'pixels' ? { kind: 'pixels' } : typeof r === 'string' ? { kind: 'slot', slot: slotOf.get(rootOf(r))! } : { kind: 'weights', index: r.weights },
    );
    bindings.push({ kind: 'slot', slot: slotOf.get(out)! });
    steps.push({ name: p.node.name, code: p.code, bindings, workgroups: p.workgroups });
    for (const r of new Set(p.reads.filter((x): x is string => typeof x === 'string' && x !== 'pixels').map(rootOf)))
      if (lastRead.get(r) === k) free.push(slotOf.get(r)!);
  });
  const outShape = shapes.get(g.output)!;
  return { input, slots, weights, steps, output: { slot: slotOf.get(rootOf(g.output))!, perImage: size(outShape) }, maxGemmRowsPerImage: maxGemmRows };
}
