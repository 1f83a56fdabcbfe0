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
 */
type Info = tf.TensorInfo;
type Backend = tf.KernelBackend & { disposeData(id: tf.DataId): boolean };
type Attrs = Record<string, unknown>;

function kernel(backend: Backend, name: string, inputs: Record<string, Info> | Info[], attrs: Attrs = {}): Info {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`the wasm backend has no ${name} kernel`);
  return k.kernelFunc({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as Info;
}

/** runs steps that make intermediates, and frees every intermediate but the result */
function scoped(backend: Backend, work: (make: (name: string, inputs: Record<string, Info> | Info[], attrs?: Attrs) => Info) => Info): Info {
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
        taps.push(make('BatchMatMul', { a: patch3, b: dy3 }, { transposeA: true, transposeB: false }));
      }
    }
    const all = taps.length === 1 ? taps[0]! : make('Concat', taps, { axis: 0 });
    return make('Reshape', { x: all }, { shape: filterShape });
  });
}

/** dW[i, j, c] = Σ patch(i, j)[…, c] · dy[…, c] */
function depthwiseBackpropFilter({ inputs, backend, attrs }: { inputs: { x: Info; dy: Info }; backend: Backend; attrs: Attrs }): Info {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  noDilation('DepthwiseConv2dNativeBackpropFilter', attrs.dilations);
  if (filterShape[3] !== 1) throw new Error('DepthwiseConv2dNativeBackpropFilter: only a depth multiplier of 1 is supported on wasm');
  const g = convGeometry(x.shape, filterShape, attrs.strides as number, attrs.pad, attrs.dimRoundingMode, 1, true);
  const [kh, kw, c] = filterShape;
  const [n] = x.shape as [number];
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
    const taps: Info[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const end = [n, i + (g.outHeight - 1) * g.strideHeight + 1, j + (g.outWidth - 1) * g.strideWidth + 1, c];
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
        const prod = make('Multiply', { a: patch, b: dy });
        taps.push(make('Sum', { x: prod }, { axis: [0, 1, 2], keepDims: false }));
      }
    }
    const all =
      taps.length === 1
        ? taps[0]!
        : make(
            'Concat',
            taps.map((t) => make('Reshape', { x: t }, { shape: [1, c] })),
            { axis: 0 },
          );
    return make('Reshape', { x: all }, { shape: filterShape });
  });
}

/** dx: each tap's share of dy, spread back by the stride, moved to the tap's place, summed */
function depthwiseBackpropInput({ inputs, backend, attrs }: { inputs: { dy: Info; filter: Info }; backend: Backend; attrs: Attrs }): Info {
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as [number, number, number, number];
  noDilation('DepthwiseConv2dNativeBackpropInput', attrs.dilations);
  const filterShape = filter.shape as [number, number, number, number];
  if (filterShape[3] !== 1) throw new Error('DepthwiseConv2dNativeBackpropInput: only a depth multiplier of 1 is supported on wasm');
  const g = convGeometry(inputShape, filterShape, attrs.strides as number, attrs.pad, attrs.dimRoundingMode, 1, true);
  const [kh, kw, c] = filterShape;
  const [n, h, w] = inputShape;
  const [sh, sw] = [g.strideHeight, g.strideWidth];
  const hp = h + g.padInfo.top + g.padInfo.bottom;
  const wp = w + g.padInfo.left + g.padInfo.right;
  const hu = (g.outHeight - 1) * sh + 1;
  const wu = (g.outWidth - 1) * sw + 1;
  return scoped(backend, (make) => {
    // dy spread out with stride-1 zeros between its values
    let spread = dy;
    if (sh > 1 || sw > 1) {
      const six = make('Reshape', { x: dy }, { shape: [n, g.outHeight, 1, g.outWidth, 1, c] });
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
      const flat = make('Reshape', { x: padded }, { shape: [n, g.outHeight * sh, g.outWidth * sw, c] });
      spread = make('Slice', { x: flat }, { begin: [0, 0, 0, 0], size: [n, hu, wu, c] });
    }
    let sum: Info | null = null;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const tap = make('Reshape', { x: make('Slice', { x: filter }, { begin: [i, j, 0, 0], size: [1, 1, c, 1] }) }, { shape: [c] });
        const share = make('Multiply', { a: spread, b: tap });
        const placed = make(
          'PadV2',
          { x: share },
          {
            paddings: [
              [0, 0],
              [i, hp - i - hu],
              [j, wp - j - wu],
              [0, 0],
            ],
            constantValue: 0,
          },
        );
        sum = sum ? make('Add', { a: sum, b: placed }) : placed;
      }
    }
    return make('Slice', { x: sum! }, { begin: [0, g.padInfo.top, g.padInfo.left, 0], size: [n, h, w, c] });
  });
}

let registered = false;

/** Registers the missing kernels with the wasm backend (once); a no-op where it has them. */
export function registerWasmConvGradients(): void {
  if (registered) return;
  registered = true;
  const add = (kernelName: string, kernelFunc: unknown) => {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  };
  add('Conv2DBackpropFilter', conv2DBackpropFilter);
  add('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter);
  add('DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput);
}
