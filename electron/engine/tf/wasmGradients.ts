import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient kernels of convolutions that TF.js's wasm backend lacks (it has the forward
 * kernels and Conv2DBackpropInput, not the filter gradients nor either depthwise gradient),
 * built from kernels it has: pads, strided slices, matrix products, sums. With them the top
 * layers of a network fine-tune on wasm's XNNPACK speed instead of the JavaScript CPU
 * backend, which is an order of magnitude slower on convolutions (measured here: a 1×1
 * convolution on 7×7×320 features, 3.5 ms an image on wasm against 64 ms on the CPU backend).
 *
 * Only what fine-tuning MobileNet- and Inception-like tops needs is covered: no dilated
 * gradients (TF.js's own conv2d gradient refuses those too), depthwise multiplier 1.
 *
 * Four kernels wasm has are slow on the shapes a backward pass makes, so each gets a fast path
 * built from the same fast kernels, and hands every other case to wasm's own kernel (measured
 * on one batch of 32, MobileNetV2's top at 7×7 and Inception v3's at 8×8):
 * - a matrix product with a transposed operand (every convolution and Dense gradient) runs a
 *   naive loop: [1568, 320]ᵀ · [1568, 1280] 563 ms. Transposed first, it is XNNPACK's: 42 ms;
 * - a convolution's input gradient runs a naive loop, ten times its forward pass: 3×3, 448 → 384
 *   channels 2215 ms, 1×3 771 ms. As a forward convolution of dy (spread by the stride) with the
 *   filter turned half a circle: 261 and 77 ms; a 1×1 one with stride 1 as one product
 *   dy · Wᵀ (MobileNetV2's 1280 → 320: 43 ms). The depthwise input gradient, which wasm lacks,
 *   is built the same way;
 * - a Tile that only broadcasts (BatchNorm's gradient tiles its scale over the batch) 93 ms; as
 *   a broadcasting Add onto zeros, a fraction of it;
 * - the gradient of a global average pool (7×7 → 1×1 over 1280 channels) walks every window:
 *   53 ms; it is one broadcasting product, dy / 49 spread over the 7×7.
 */
type Info = tf.TensorInfo;
type Backend = tf.KernelBackend & { disposeData(id: tf.DataId): boolean };
type Attrs = Record<string, unknown>;

function kernel(backend: Backend, name: string, inputs: Record<string, Info> | Info[], attrs: Attrs = {}): Info {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`the wasm backend has no ${name} kernel`);
  return k.kernelFunc({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as Info;
}

type Make = (name: string, inputs: Record<string, Info> | Info[], attrs?: Attrs) => Info;

/** runs steps that make intermediates, and frees every intermediate but the result */
function scoped(backend: Backend, work: (make: Make) => Info): Info {
  const made: Info[] = [];
  const make = (name: string, inputs: Record<string, Info> | Info[], attrs: Attrs = {}) => {
    const out = kernel(backend, name, inputs, attrs);
    made.push(out);
    return out;
  };
  const result = work(make);
  for (const m of made) if (m !== result) backend.disposeData(m.dataId);
  return result;
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

function convGeometry(
  xShape: number[],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: unknown,
  dimRoundingMode: unknown,
  dilations: number | [number, number] = 1,
  depthwise = false,
) {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad as 'same',
    dimRoundingMode as 'floor' | undefined,
    depthwise,
  );
  return info;
}

function noDilation(name: string, dilations: unknown): void {
  const [dh, dw] = pair((dilations ?? 1) as number | [number, number]);
  if (dh !== 1 || dw !== 1) throw new Error(`${name}: dilated convolutions cannot be fine-tuned on the wasm backend`);
}

/** dW[i, j] = patch(i, j)ᵀ · dy, one matrix product per filter tap */
function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: { x: Info; dy: Info }; backend: Backend; attrs: Attrs }): Info {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: channels-first data is not supported on wasm');
  const g = convGeometry(x.shape, filterShape, attrs.strides as number, attrs.pad, attrs.dimRoundingMode);
  const [kh, kw, ci, co] = filterShape;
  const [n] = x.shape as [number];
  const p = n * g.outHeight * g.outWidth;
  return scoped(backend, (make) => {
    const xp = make(
      'PadV2',
      { x },
      {
        paddings: [
          [0, 0],
          [g.padInfo.top, g.padInfo.bottom],
          [g.padInfo.left, g.padInfo.right],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    const dy3 = make('Reshape', { x: dy }, { shape: [1, p, co] });
    const taps: Info[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const end = [n, i + (g.outHeight - 1) * g.strideHeight + 1, j + (g.outWidth - 1) * g.strideWidth + 1, ci];
        const patch = make(
          'StridedSlice',
          { x: xp },
          {
            begin: [0, i, j, 0],
            end,
            strides: [1, g.strideHeight, g.strideWidth, 1],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        );
        const patch3 = make('Reshape', { x: patch }, { shape: [1, p, ci] });
        // the transposed operand takes BatchMatMul's fast path below
        taps.push(make('BatchMatMul', { a: patch3, b: dy3 }, { transposeA: true, transposeB: false }));
      }
    }
    const all = taps.length === 1 ? taps[0]! : make('Concat', taps, { axis: 0 });
    return make('Reshape', { x: all }, { shape: filterShape });
  });
}

/**
 * dW[i, j, c] = Σ over n, p, q of xp[n, i + p·sh, j + q·sw, c] · dy[n, p, q, c]: a depthwise
 * convolution of the padded input with dy as its filter (dilated by the stride), one channel
 * per (image, channel) pair, then a sum over the images. XNNPACK runs both; nine taps of
 * slices, products and sums took 323 ms on MobileNetV2's block_16 (batch 32), this way a tenth.
 */
function depthwiseBackpropFilter({ inputs, backend, attrs }: { inputs: { x: Info; dy: Info }; backend: Backend; attrs: Attrs }): Info {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  noDilation('DepthwiseConv2dNativeBackpropFilter', attrs.dilations);
  if (filterShape[3] !== 1) throw new Error('DepthwiseConv2dNativeBackpropFilter: only a depth multiplier of 1 is supported on wasm');
  const g = convGeometry(x.shape, filterShape, attrs.strides as number, attrs.pad, attrs.dimRoundingMode, 1, true);
  const [kh, kw, c] = filterShape;
  const [n, h, w] = x.shape as [number, number, number];
  const [hp, wp] = [h + g.padInfo.top + g.padInfo.bottom, w + g.padInfo.left + g.padInfo.right];
  return scoped(backend, (make) => {
    const xp = make(
      'PadV2',
      { x },
      {
        paddings: [
          [0, 0],
          [g.padInfo.top, g.padInfo.bottom],
          [g.padInfo.left, g.padInfo.right],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    // images and channels side by side as the channels of one image
    const input = make('Reshape', { x: make('Transpose', { x: xp }, { perm: [1, 2, 0, 3] }) }, { shape: [1, hp, wp, n * c] });
    const filter = make('Reshape', { x: make('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }) }, { shape: [g.outHeight, g.outWidth, n * c, 1] });
    const perImage = make(
      'DepthwiseConv2dNative',
      { x: input, filter },
      { strides: [1, 1], pad: 'valid', dilations: [g.strideHeight, g.strideWidth], dataFormat: 'NHWC', dimRoundingMode: undefined },
    );
    // padding that no output reads leaves taps beyond the filter: keep the filter's
    const taps =
      perImage.shape[1] === kh && perImage.shape[2] === kw ? perImage : make('Slice', { x: perImage }, { begin: [0, 0, 0, 0], size: [1, kh, kw, n * c] });
    const ones = make('Fill', [], { shape: [kh * kw, 1, n], value: 1, dtype: 'float32' });
    const summed = make('BatchMatMul', { a: ones, b: make('Reshape', { x: taps }, { shape: [kh * kw, n, c] }) }, { transposeA: false, transposeB: false });
    return make('Reshape', { x: summed }, { shape: filterShape });
  });
}

type KernelArgs = { inputs: Record<string, Info>; backend: Backend; attrs: Attrs };

/** dy with stride − 1 zeros between its values: the stride undone */
function spreadByStride(make: Make, dy: Info, sh: number, sw: number): Info {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape as [number, number, number, number];
  const six = make('Reshape', { x: dy }, { shape: [n, oh, 1, ow, 1, c] });
  const padded = make(
    'PadV2',
    { x: six },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  const flat = make('Reshape', { x: padded }, { shape: [n, oh * sh, ow * sw, c] });
  return make('Slice', { x: flat }, { begin: [0, 0, 0, 0], size: [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c] });
}

/**
 * dx of a convolution as a forward one: dy spread by the stride and padded by the filter's
 * reach, convolved (valid, stride 1) with the filter turned half a circle — and, for a full
 * convolution, its in and out channels swapped. Null where the geometry does not allow it
 * (dilation, channels first, padding beyond the filter).
 */
function inputGradientByConvolution({ inputs, backend, attrs }: KernelArgs, depthwise: boolean): Info | null {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const [dh, dw] = pair((attrs.dilations ?? 1) as number | [number, number]);
  if (dh !== 1 || dw !== 1 || attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32') return null;
  const filterShape = filter.shape as [number, number, number, number];
  if (depthwise && filterShape[3] !== 1) return null;
  const inputShape = attrs.inputShape as [number, number, number, number];
  const g = convGeometry(inputShape, filterShape, attrs.strides as number, attrs.pad, attrs.dimRoundingMode, 1, depthwise);
  if (g.outHeight !== dy.shape[1] || g.outWidth !== dy.shape[2]) return null;
  const [kh, kw] = filterShape;
  const [, h, w] = inputShape;
  const reach = [
    [kh - 1 - g.padInfo.top, h - ((g.outHeight - 1) * g.strideHeight + 1) + g.padInfo.top],
    [kw - 1 - g.padInfo.left, w - ((g.outWidth - 1) * g.strideWidth + 1) + g.padInfo.left],
  ];
  if (reach.flat().some((p) => p < 0)) return null;
  if (!depthwise && kh === 1 && kw === 1 && g.strideHeight === 1 && g.strideWidth === 1)
    // a 1×1 convolution's is one matrix product, dy · Wᵀ: faster than a convolution (69 → 43 ms)
    return scoped(backend, (make) => {
      const [, , ci, co] = filterShape;
      const wT = make('Transpose', { x: make('Reshape', { x: filter }, { shape: [1, ci, co] }) }, { perm: [0, 2, 1] });
      const rows = make('Reshape', { x: dy }, { shape: [1, inputShape[0] * h * w, co] });
      return make('Reshape', { x: make('BatchMatMul', { a: rows, b: wT }, { transposeA: false, transposeB: false }) }, { shape: inputShape });
    });
  return scoped(backend, (make) => {
    const spread = spreadByStride(make, dy, g.strideHeight, g.strideWidth);
    const padded = make('PadV2', { x: spread }, { paddings: [[0, 0], ...reach, [0, 0]], constantValue: 0 });
    const turned = make('Reverse', { x: filter }, { dims: [0, 1] });
    const conv = { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined };
    if (depthwise) return make('DepthwiseConv2dNative', { x: padded, filter: turned }, conv);
    return make('Conv2D', { x: padded, filter: make('Transpose', { x: turned }, { perm: [0, 1, 3, 2] }) }, conv);
  });
}

/** the depthwise input gradient wasm lacks: always by convolution */
function depthwiseBackpropInput(args: KernelArgs): Info {
  noDilation('DepthwiseConv2dNativeBackpropInput', args.attrs.dilations);
  if ((args.inputs.filter!.shape[3] ?? 1) !== 1) throw new Error('DepthwiseConv2dNativeBackpropInput: only a depth multiplier of 1 is supported on wasm');
  const dx = inputGradientByConvolution(args, true);
  if (!dx) throw new Error('DepthwiseConv2dNativeBackpropInput: this padding or data layout is not supported on wasm');
  return dx;
}

/** a product with a transposed operand: the operand transposed by Transpose, then the plain product */
function matMulTransposedFirst({ inputs, backend, attrs }: KernelArgs): Info | null {
  const { a, b } = inputs as { a: Info; b: Info };
  if (!attrs.transposeA && !attrs.transposeB) return null;
  const swapLast = (t: Info) => ({ perm: [...t.shape.slice(0, -2).map((_, i) => i), t.shape.length - 1, t.shape.length - 2] });
  return scoped(backend, (make) =>
    make(
      'BatchMatMul',
      { a: attrs.transposeA ? make('Transpose', { x: a }, swapLast(a)) : a, b: attrs.transposeB ? make('Transpose', { x: b }, swapLast(b)) : b },
      { transposeA: false, transposeB: false },
    ),
  );
}

/** a Tile that only broadcasts (every tiled axis has size 1): zeros of the result's shape plus the input */
function broadcastTile({ inputs, backend, attrs }: KernelArgs): Info | null {
  const { x } = inputs as { x: Info };
  const reps = attrs.reps as number[];
  if (x.dtype !== 'float32' || reps.length !== x.shape.length || reps.some((r, i) => r > 1 && x.shape[i] !== 1)) return null;
  const shape = x.shape.map((d, i) => d * reps[i]!);
  return scoped(backend, (make) => make('Add', { a: make('Fill', [], { shape, value: 0, dtype: 'float32' }), b: x }));
}

/** the gradient of an average pool over the whole input (a global average pool): dy / (h·w) spread over every position */
function globalAvgPoolGrad({ inputs, backend, attrs }: KernelArgs): Info | null {
  const { dy, input } = inputs as { dy: Info; input: Info };
  const [n, h, w, c] = input.shape as [number, number, number, number];
  const [fh, fw] = pair(attrs.filterSize as number | [number, number]);
  if (dy.dtype !== 'float32' || attrs.pad !== 'valid' || fh !== h || fw !== w || dy.shape[1] !== 1 || dy.shape[2] !== 1) return null;
  return scoped(backend, (make) => make('Multiply', { a: make('Fill', [], { shape: [n, h, w, c], value: 1 / (h * w), dtype: 'float32' }), b: dy }));
}

let registered = false;

/** Registers the missing kernels with the wasm backend and the fast paths of slow ones (once); a no-op where it has them. */
export function registerWasmConvGradients(): void {
  if (registered) return;
  registered = true;
  const add = (kernelName: string, kernelFunc: unknown) => {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  };
  add('Conv2DBackpropFilter', conv2DBackpropFilter);
  add('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter);
  add('DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput);
  // the fast path where it applies, wasm's own kernel everywhere else
  const fastPath = (kernelName: string, fast: (args: KernelArgs) => Info | null) => {
    const own = tf.getKernel(kernelName, 'wasm');
    if (!own) return;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      ...own,
      kernelFunc: (args) => fast(args as unknown as KernelArgs) ?? own.kernelFunc(args),
    });
  };
  fastPath('BatchMatMul', matMulTransposedFirst);
  fastPath('Conv2DBackpropInput', (args) => inputGradientByConvolution(args, false));
  fastPath('Tile', broadcastTile);
  fastPath('AvgPoolGrad', globalAvgPoolGrad);
}
