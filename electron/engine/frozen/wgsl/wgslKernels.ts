import type { Activation } from '../frozenGraph';

/*
 * WGSL compute shaders for the frozen graph's ops, channels-last (NHWC) like TF.js, float32.
 * Every shape but the batch is baked into the shader as a constant, so the index arithmetic
 * divides by constants; the batch comes from one uniform all of a run's dispatches share.
 * Binding 0 is that uniform, the inputs follow, the output is always the last binding.
 */

/** threads per workgroup of the one-thread-per-output kernels */
export const threads = 64;
/** the GEMM's tile: a workgroup of 8×8 threads computes 32 rows × 32 output channels, 4×4 each */
export const gemmTile = 32;
const gemmK = 16;

const header = `struct Params { n: u32, srcH: u32, srcW: u32, pad: u32 }
@group(0) @binding(0) var<uniform> params: Params;
`;

/** the flat index of a one-thread-per-output kernel dispatched over [min(groups, 65535), ⌈groups / 65535⌉] */
const flatIndex = `let i = (wid.y * nwg.x + wid.x) * ${threads}u + lid.x;`;
/** the bindings of a kernel with one input buffer (x) and one output (y) */
const xToY = `@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;`;
const entry = `@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u)`;

const f = (x: number) => {
  const s = Number.isInteger(x) ? x.toFixed(1) : String(Math.fround(x));
  return s.includes('e') && !s.includes('.') ? s.replace('e', '.0e') : s;
};

/** the output position of flat index i in a channels-last [n, h, w, c] value: c, then ox, oy and the image b */
const nhwcPosition = (h: number, w: number, c: number) => `let c = i % ${c}u;
  let p = i / ${c}u;
  let ox = p % ${w}u;
  let oy = (p / ${w}u) % ${h}u;
  let b = p / ${w * h}u;`;

/** an activation as WGSL on `v`; null where it has no one-element form (softmax) */
export function activationWgsl(a: Activation): string | null {
  switch (a) {
    case 'linear':
      return 'v';
    case 'relu':
      return 'max(v, 0.0)';
    case 'relu6':
      return 'clamp(v, 0.0, 6.0)';
    case 'sigmoid':
      return '1.0 / (1.0 + exp(-v))';
    case 'tanh':
      return 'tanh(v)';
    case 'elu':
      return 'select(exp(v) - 1.0, v, v > 0.0)';
    case 'selu':
      return '1.0507009873554805 * select(1.6732632423543772 * (exp(v) - 1.0), v, v > 0.0)';
    case 'softplus':
      return 'max(v, 0.0) + log(1.0 + exp(-abs(v)))';
    case 'softsign':
      return 'v / (1.0 + abs(v))';
    case 'swish':
      return 'v / (1.0 + exp(-v))';
    case 'hardSigmoid':
      return 'clamp(0.2 * v + 0.5, 0.0, 1.0)';
    case 'softmax':
      return null;
  }
}

const act = (a: Activation) => `fn act(v: f32) -> f32 { return ${activationWgsl(a)}; }\n`;

/**
 * The decoder's bytes (packed four to a u32, [n, srcH, srcW, 3]) to the model's input: enlarged
 * bilinearly with half-pixel centres where smaller, as TF.js's resizeBilinear does, and mapped
 * onto the model's value range.
 */
export function preprocessKernel(o: { height: number; width: number; scale: number; offset: number }): string {
  return `${header}@group(0) @binding(1) var<storage, read> px: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
fn byteAt(j: u32) -> f32 { return f32((px[j / 4u] >> ((j % 4u) * 8u)) & 255u); }
fn at(b: u32, r: u32, c: u32, ch: u32) -> f32 { return byteAt(((b * params.srcH + r) * params.srcW + c) * 3u + ch); }
${entry} {
  ${flatIndex}
  if (i >= params.n * ${o.height * o.width * 3}u) { return; }
  let ch = i % 3u;
  let p = i / 3u;
  let x = p % ${o.width}u;
  let yy = (p / ${o.width}u) % ${o.height}u;
  let b = p / ${o.width * o.height}u;
  let fy = (f32(yy) + 0.5) * f32(params.srcH) / ${f(o.height)} - 0.5;
  let fx = (f32(x) + 0.5) * f32(params.srcW) / ${f(o.width)} - 0.5;
  let r0 = u32(max(floor(fy), 0.0));
  let r1 = u32(min(ceil(fy), f32(params.srcH - 1u)));
  let c0 = u32(max(floor(fx), 0.0));
  let c1 = u32(min(ceil(fx), f32(params.srcW - 1u)));
  let ly = fy - floor(fy);
  let lx = fx - floor(fx);
  let top = at(b, r0, c0, ch) + (at(b, r0, c1, ch) - at(b, r0, c0, ch)) * lx;
  let bottom = at(b, r1, c0, ch) + (at(b, r1, c1, ch) - at(b, r1, c0, ch)) * lx;
  y[i] = (top + (bottom - top) * ly) * ${f(o.scale)} + ${f(o.offset)};
}
`;
}

export interface ConvShape {
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kh: number;
  kw: number;
  strides: [number, number];
  dilations: [number, number];
  /** top, left */
  pads: [number, number];
}

/**
 * A convolution (or a Dense on the last axis) as an implicit GEMM: rows are output pixels, the
 * inner dimension (kh, kw, in) reads the input where the window falls (zero outside), columns
 * are output channels; TF's filter layout [kh, kw, in, out] is already the GEMM's [K, N].
 * Tiles of the input and the filter go through workgroup memory; bias and activation are applied
 * as the result is written.
 */
export function gemmConvKernel(s: ConvShape, activation: Activation): string {
  const K = s.kh * s.kw * s.inC;
  const N = s.outC;
  const perImage = s.outH * s.outW;
  const pointwise = s.kh === 1 && s.kw === 1 && s.strides.every((x) => x === 1) && s.pads.every((x) => x === 0) && s.inH === s.outH && s.inW === s.outW;
  const read = pointwise
    ? `return x[m * ${K}u + k];`
    : `let b = m / ${perImage}u;
  let r = m % ${perImage}u;
  let ci = k % ${s.inC}u;
  let t = k / ${s.inC}u;
  let iy = i32((r / ${s.outW}u) * ${s.strides[0]}u + (t / ${s.kw}u) * ${s.dilations[0]}u) - ${s.pads[0]};
  let ix = i32((r % ${s.outW}u) * ${s.strides[1]}u + (t % ${s.kw}u) * ${s.dilations[1]}u) - ${s.pads[1]};
  if (iy < 0 || iy >= ${s.inH} || ix < 0 || ix >= ${s.inW}) { return 0.0; }
  return x[((b * ${s.inH}u + u32(iy)) * ${s.inW}u + u32(ix)) * ${s.inC}u + ci];`;
  const T = gemmTile;
  return `${header}@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
var<workgroup> As: array<array<f32, ${T}>, ${gemmK}>;
var<workgroup> Bs: array<array<f32, ${T}>, ${gemmK}>;
${act(activation)}
fn readA(m: u32, k: u32, rows: u32) -> f32 {
  if (m >= rows || k >= ${K}u) { return 0.0; }
  ${read}
}
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let rows = params.n * ${perImage}u;
  let m0 = wid.y * ${T}u;
  let n0 = wid.x * ${T}u;
  let tid = lid.y * 8u + lid.x;
  var acc: array<vec4f, 4>;
  for (var k0 = 0u; k0 < ${K}u; k0 += ${gemmK}u) {
    for (var e = 0u; e < ${(T * gemmK) / 64}u; e++) {
      let idx = e * 64u + tid;
      let am = idx / ${gemmK}u;
      let ak = idx % ${gemmK}u;
      As[ak][am] = readA(m0 + am, k0 + ak, rows);
      let bk = idx / ${T}u;
      let bn = idx % ${T}u;
      var wv = 0.0;
      if (k0 + bk < ${K}u && n0 + bn < ${N}u) { wv = w[(k0 + bk) * ${N}u + n0 + bn]; }
      Bs[bk][bn] = wv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${gemmK}u; kk++) {
      let bv = vec4f(Bs[kk][lid.x * 4u], Bs[kk][lid.x * 4u + 1u], Bs[kk][lid.x * 4u + 2u], Bs[kk][lid.x * 4u + 3u]);
      for (var r = 0u; r < 4u; r++) { acc[r] = fma(vec4f(As[kk][lid.y * 4u + r]), bv, acc[r]); }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r++) {
    let m = m0 + lid.y * 4u + r;
    if (m >= rows) { continue; }
    for (var c = 0u; c < 4u; c++) {
      let o = n0 + lid.x * 4u + c;
      if (o < ${N}u) { y[m * ${N}u + o] = act(acc[r][c] + bias[o]); }
    }
  }
}
`;
}

/** a depthwise convolution, one thread per output value; filter [kh, kw, in, multiplier], output channel = in · multiplier + q */
export function depthwiseKernel(s: ConvShape, multiplier: number, activation: Activation): string {
  return `${header}@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
${act(activation)}
${entry} {
  ${flatIndex}
  if (i >= params.n * ${s.outH * s.outW * s.outC}u) { return; }
  ${nhwcPosition(s.outH, s.outW, s.outC)}
  let ci = c / ${multiplier}u;
  var sum = bias[c];
  for (var ky = 0u; ky < ${s.kh}u; ky++) {
    let iy = i32(oy * ${s.strides[0]}u + ky * ${s.dilations[0]}u) - ${s.pads[0]};
    if (iy < 0 || iy >= ${s.inH}) { continue; }
    for (var kx = 0u; kx < ${s.kw}u; kx++) {
      let ix = i32(ox * ${s.strides[1]}u + kx * ${s.dilations[1]}u) - ${s.pads[1]};
      if (ix < 0 || ix >= ${s.inW}) { continue; }
      sum = fma(x[((b * ${s.inH}u + u32(iy)) * ${s.inW}u + u32(ix)) * ${s.inC}u + ci], w[(ky * ${s.kw}u + kx) * ${s.outC}u + c], sum);
    }
  }
  y[i] = act(sum);
}
`;
}

/** max or average over a window; the average counts only the cells inside the image, as TF does */
export function poolKernel(s: ConvShape, kind: 'max' | 'avg'): string {
  return `${header}${xToY}
${entry} {
  ${flatIndex}
  if (i >= params.n * ${s.outH * s.outW * s.outC}u) { return; }
  ${nhwcPosition(s.outH, s.outW, s.outC)}
  var acc = ${kind === 'max' ? '-3.4028234663852886e38' : '0.0'};
  var count = 0.0;
  for (var ky = 0u; ky < ${s.kh}u; ky++) {
    let iy = i32(oy * ${s.strides[0]}u + ky) - ${s.pads[0]};
    if (iy < 0 || iy >= ${s.inH}) { continue; }
    for (var kx = 0u; kx < ${s.kw}u; kx++) {
      let ix = i32(ox * ${s.strides[1]}u + kx) - ${s.pads[1]};
      if (ix < 0 || ix >= ${s.inW}) { continue; }
      let v = x[((b * ${s.inH}u + u32(iy)) * ${s.inW}u + u32(ix)) * ${s.inC}u + c];
      ${kind === 'max' ? 'acc = max(acc, v);' : 'acc += v;'}
      count += 1.0;
    }
  }
  y[i] = ${kind === 'max' ? 'acc' : 'acc / max(count, 1.0)'};
}
`;
}

/** the mean or max over height and width, one thread per (image, channel) */
export function globalPoolKernel(o: { pixels: number; channels: number }, kind: 'max' | 'avg'): string {
  return `${header}${xToY}
${entry} {
  ${flatIndex}
  if (i >= params.n * ${o.channels}u) { return; }
  let c = i % ${o.channels}u;
  let b = i / ${o.channels}u;
  var acc = ${kind === 'max' ? '-3.4028234663852886e38' : '0.0'};
  for (var p = 0u; p < ${o.pixels}u; p++) {
    let v = x[(b * ${o.pixels}u + p) * ${o.channels}u + c];
    ${kind === 'max' ? 'acc = max(acc, v);' : 'acc += v;'}
  }
  y[i] = ${kind === 'max' ? 'acc' : `acc / ${f(o.pixels)}`};
}
`;
}

/** n inputs of one shape, combined value by value (add, multiply, maximum, minimum, average) */
export function elementwiseKernel(perImage: number, inputs: number, op: 'add' | 'multiply' | 'maximum' | 'minimum' | 'average'): string {
  const binds = Array.from({ length: inputs }, (_, k) => `@group(0) @binding(${k + 1}) var<storage, read> x${k}: array<f32>;`).join('\n');
  let expr = 'x0[i]';
  for (let k = 1; k < inputs; k++) {
    const v = `x${k}[i]`;
    expr = op === 'add' || op === 'average' ? `${expr} + ${v}` : op === 'multiply' ? `${expr} * ${v}` : `${op === 'maximum' ? 'max' : 'min'}(${expr}, ${v})`;
  }
  if (op === 'average') expr = `(${expr}) / ${f(inputs)}`;
  return `${header}${binds}
@group(0) @binding(${inputs + 1}) var<storage, read_write> y: array<f32>;
${entry} {
  ${flatIndex}
  if (i >= params.n * ${perImage}u) { return; }
  y[i] = ${expr};
}
`;
}

/** one value at a time: an activation, a constant scale and offset, or a per-channel scale and shift */
export function mapKernel(perImage: number, o: { activation: Activation } | { scale: number; offset: number } | { channels: number }): string {
  const perChannel = 'channels' in o;
  const expr =
    'activation' in o
      ? activationWgsl(o.activation)
      : perChannel
        ? `v * scale[i % ${o.channels}u] + shift[i % ${o.channels}u]`
        : `v * ${f(o.scale)} + ${f(o.offset)}`;
  const binds = perChannel
    ? `@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> shift: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;`
    : '@group(0) @binding(2) var<storage, read_write> y: array<f32>;';
  return `${header}@group(0) @binding(1) var<storage, read> x: array<f32>;
${binds}
${entry} {
  ${flatIndex}
  if (i >= params.n * ${perImage}u) { return; }
  let v = x[i];
  y[i] = ${expr};
}
`;
}

/** one input of a concatenation along channels, copied into its slice of the output */
export function concatSliceKernel(o: { pixels: number; channels: number; total: number; offset: number }): string {
  return `${header}${xToY}
${entry} {
  ${flatIndex}
  if (i >= params.n * ${o.pixels * o.channels}u) { return; }
  y[(i / ${o.channels}u) * ${o.total}u + ${o.offset}u + i % ${o.channels}u] = x[i];
}
`;
}

/** zeros around the image: paddings [[top, bottom], [left, right]] */
export function padKernel(o: { inH: number; inW: number; channels: number; outH: number; outW: number; top: number; left: number }): string {
  return `${header}${xToY}
${entry} {
  ${flatIndex}
  if (i >= params.n * ${o.outH * o.outW * o.channels}u) { return; }
  ${nhwcPosition(o.outH, o.outW, o.channels)}
  let ix = i32(ox) - ${o.left};
  let iy = i32(oy) - ${o.top};
  var v = 0.0;
  if (iy >= 0 && iy < ${o.inH} && ix >= 0 && ix < ${o.inW}) { v = x[((b * ${o.inH}u + u32(iy)) * ${o.inW}u + u32(ix)) * ${o.channels}u + c]; }
  y[i] = v;
}
`;
}
