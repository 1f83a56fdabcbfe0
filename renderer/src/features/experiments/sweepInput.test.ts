import { describe, expect, it } from 'vitest';
import { parseSweep } from './sweepInput';

const empty = { learningRate: '', batchSize: '', perClass: '', fineTune: '', models: '' };

describe('the sweep form', () => {
  it('reads lists as students type them', () => {
    expect(
      parseSweep({ ...empty, learningRate: '0.001, 0.01 1', batchSize: '4;32', perClass: '1, 2, 5, all', models: 'a/mobilenet\n\n b/inception ' }),
    ).toEqual({
      axes: { learningRate: [0.001, 0.01, 1], batchSize: [4, 32], perClass: [1, 2, 5, null], model: ['a/mobilenet', 'b/inception'] },
      errors: [],
    });
  });

  it('leaves empty fields to the Train step and names what it cannot read', () => {
    expect(parseSweep(empty)).toEqual({ axes: {}, errors: [] });
    expect(parseSweep({ ...empty, learningRate: '0.1, fast', batchSize: '2.5', perClass: 'some' }).errors).toEqual([
      'The learning rate must be a number above 0 and at most 10; "fast" is not.',
      'The batch size must be a whole number from 1 to 65536; "2.5" is not.',
      'Images per class must be a whole number, 1 or more (or all of them); "some" is not.',
    ]);
  });

  it("refuses what the Train step's rules refuse, with their message", () => {
    // the one rule for the learning rate (shared/trainConfig.ts): above 0, at most 10
    expect(parseSweep({ ...empty, learningRate: '10' })).toEqual({ axes: { learningRate: [10] }, errors: [] });
    expect(parseSweep({ ...empty, learningRate: '0.01, 11' }).errors).toEqual(['The learning rate must be a number above 0 and at most 10; "11" is not.']);
    expect(parseSweep({ ...empty, fineTune: '1001' }).errors).toEqual(['Fine-tuned layers must be a whole number from 0 to 1000; "1001" is not.']);
    expect(parseSweep({ ...empty, batchSize: '65537' }).errors).toEqual(['The batch size must be a whole number from 1 to 65536; "65537" is not.']);
  });
});
