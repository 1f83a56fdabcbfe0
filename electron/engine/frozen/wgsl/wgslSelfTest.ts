import type { FrozenGraph } from '../frozenGraph';
import { compileWgsl } from './compileWgsl';
import { WgslSession } from './wgslSession';

/**
 * Whether our WGSL kernels compile and run on this machine's adapter, for `transfer-lab devices`:
 * a 4×4 image through a convolution, a depthwise convolution and the pooling, every weight 1, so
 * the one right answer is known. Resolves to what it ran on; rejects with the reason.
 */
export async function wgslSelfTest(gpu: GPU): Promise<string> {
  const ones = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1) });
  const graph: FrozenGraph = {
    inputShape: [4, 4, 3],
    output: 'gap',
    nodes: [
      { op: 'input', name: 'in', inputs: [] },
      {
        op: 'conv2d',
        name: 'c',
        inputs: ['in'],
        filter: ones([1, 1, 3, 2]),
        bias: ones([2]),
        strides: [1, 1],
        dilations: [1, 1],
        pad: 'valid',
        activation: 'relu',
      },
      {
        op: 'depthwise',
        name: 'd',
        inputs: ['c'],
        filter: ones([1, 1, 2, 1]),
        bias: null,
        strides: [1, 1],
        dilations: [1, 1],
        pad: 'valid',
        activation: 'linear',
      },
      { op: 'globalAvgPool', name: 'gap', inputs: ['d'], keepDims: false },
    ],
  };
  // pixels of 255 mapped to 1: each output is 3 · 1 + 1 = 4
  const session = await WgslSession.create(gpu, compileWgsl(graph, { height: 4, width: 4, resize: 'stretch', range: [0, 1] }));
  try {
    const y = await session.run(new Uint8Array(4 * 4 * 3).fill(255), 1);
    if (y.length !== 2 || y.some((v) => Math.abs(v - 4) > 1e-5)) throw new Error(`a test graph gave [${[...y].join(', ')}] instead of [4, 4]`);
    return `compiled and ran a test graph on ${session.adapter.device || session.adapter.description || session.adapter.architecture || 'the adapter'}`;
  } finally {
    await session.dispose();
  }
}
