import { describe, expect, it } from 'vitest';
import type { FrozenGraph } from './frozenGraph';
import { packGraph, unpackGraph } from './graphWire';

const w = (shape: number[], from: number) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => from + i) });

const graph: FrozenGraph = {
  inputShape: [4, 4, 3],
  output: 'pool',
  nodes: [
    { op: 'input', name: 'in', inputs: [] },
    { op: 'rescale', name: 'r', inputs: ['in'], scale: 2, offset: -1 },
    {
      op: 'conv2d',
      name: 'c',
      inputs: ['r'],
      filter: w([3, 3, 3, 2], 0),
      bias: w([2], 100),
      strides: [1, 1],
      dilations: [1, 1],
      pad: 'same',
      activation: 'relu6',
    },
    {
      op: 'depthwise',
      name: 'd',
      inputs: ['c'],
      filter: w([3, 3, 2, 1], 200),
      bias: null,
      strides: [2, 2],
      dilations: [1, 1],
      pad: [
        [0, 1],
        [0, 1],
      ],
      activation: 'linear',
    },
    { op: 'scaleShift', name: 's', inputs: ['d'], scale: w([2], 300), shift: w([2], 400) },
    { op: 'globalAvgPool', name: 'pool', inputs: ['s'], keepDims: false },
  ],
};

describe('a frozen graph packed for another JavaScript world', () => {
  it('comes back equal, its weights in one buffer', () => {
    const packed = packGraph(graph);
    expect(packed.weights.byteLength).toBe(4 * (54 + 2 + 18 + 2 + 2));
    const back = unpackGraph(structuredClone(packed));
    expect(back).toEqual(graph);
  });

  it('refuses a spec whose weights lie outside the buffer', () => {
    const packed = packGraph(graph);
    expect(() => unpackGraph({ spec: packed.spec, weights: packed.weights.slice(0, 16) })).toThrow(/weight c\/filter lies outside/);
  });
});
