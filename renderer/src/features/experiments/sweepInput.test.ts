import { describe, expect, it } from 'vitest';
import { parseSweep } from './sweepInput';

const empty = { learningRate: '', batchSize: '', perClass: '', fineTune: '', models: '' };

describe('the sweep form', () => {
  it('reads lists as students type them', () => {
    expect(parseSweep({ ...empty, learningRate: '0.001, 0.01 1', batchSize: '4;32', perClass: '1, 2, 5, all', models: 'a/mobilenet\n\n b/inception ' })).toEqual({
      axes: { learningRate: [0.001, 0.01, 1], batchSize: [4, 32], perClass: [1, 2, 5, null], model: ['a/mobilenet', 'b/inception'] },
      errors: [],
    });
  });

  it('leaves empty fields to the Train step and names what it cannot read', () => {
    expect(parseSweep(empty)).toEqual({ axes: {}, errors: [] });
    expect(parseSweep({ ...empty, learningRate: '0.1, fast', batchSize: '2.5', perClass: 'some' }).errors).toEqual([
      'learning rate: "fast" is not valid',
      'batch size: "2.5" is not valid',
      'images per class: "some" is not a whole number or "all"',
    ]);
  });
});
