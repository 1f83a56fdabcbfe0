import type { Padding } from './frozenGraph';

/**
 * A window op's explicit pads [top, left, bottom, right] (ONNX's order) and its output size, for
 * every compiler of the frozen graph (ONNX, WGSL). TF's 'same' pads to ceil(in / stride) outputs
 * and puts an odd pixel of padding after; the ONNX graph spells it out rather than leave it to
 * auto_pad, which ONNX Runtime refuses with dilations and TensorRT handles less well.
 */
export function windowPads(
  pad: Padding,
  hw: [number, number],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number] = [1, 1],
): { pads: number[]; out: [number, number] } {
  const pads = [0, 0, 0, 0];
  const out: [number, number] = [0, 0];
  for (const d of [0, 1]) {
    const extent = (kernel[d]! - 1) * dilations[d]! + 1;
    let before: number;
    let after: number;
    if (pad === 'same') {
      const total = Math.max(0, (Math.ceil(hw[d]! / strides[d]!) - 1) * strides[d]! + extent - hw[d]!);
      before = Math.floor(total / 2);
      after = total - before;
    } else if (pad === 'valid') {
      before = after = 0;
    } else {
      [before, after] = pad[d]!;
    }
    pads[d] = before;
    pads[d + 2] = after;
    out[d] = Math.floor((hw[d]! + before + after - extent) / strides[d]!) + 1;
  }
  return { pads, out };
}
