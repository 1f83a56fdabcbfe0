import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { pretrainedModelDir } from '../../../test/fixtures/pretrainedModels';
import { initBackend } from '../tf/backend';
import { fileSystemLoader } from '../tf/fsModelIO';
import { buildTop, chooseSplit, splitPoints, trainableParams } from './fineTune';

let mobilenet: tfl.LayersModel;

beforeAll(async () => {
  await initBackend('wasm');
  mobilenet = await tfl.loadLayersModel(fileSystemLoader(pretrainedModelDir('mobilenet_v2')));
});

describe('where a network can be split for fine-tuning', () => {
  it('MobileNetV2: after a residual Add or a block that changes width, never inside a residual block', () => {
    const splits = splitPoints(mobilenet, 'flatten_1').map((p) => p.split);
    expect(splits).toContain('block_16_project_BN');
    expect(splits).toContain('block_15_add');
    // inside block 15 the skip connection from block_14_add crosses
    expect(splits).not.toContain('block_15_expand_relu');
    expect(splits).not.toContain('block_15_project_BN');
  });

  it('"fine-tune N" takes the highest split that trains at least N layers with weights, BatchNorm not counted', () => {
    expect(chooseSplit(mobilenet, 'flatten_1', 1)).toEqual({ split: 'block_16_project_BN', trainable: ['Conv_1'] });
    // block 16 widens 160 → 320 channels, so it has no skip connection and splits inside
    expect(chooseSplit(mobilenet, 'flatten_1', 2)).toEqual({ split: 'block_16_depthwise_relu', trainable: ['block_16_project', 'Conv_1'] });
    expect(chooseSplit(mobilenet, 'flatten_1', 4)).toEqual({
      split: 'block_15_add',
      trainable: ['block_16_expand', 'block_16_depthwise', 'block_16_project', 'Conv_1'],
    });
    // block 15's three layers cannot be split from its skip connection: 5 takes all of block 15
    expect(chooseSplit(mobilenet, 'flatten_1', 5).split).toBe('block_14_add');
  });

  it("builds the top on a new input shaped like the split, sharing the backbone's layers, BatchNorm frozen", () => {
    const top = buildTop(mobilenet, 'block_15_add', 'out_relu');
    expect(top.inputs[0]!.shape).toEqual([null, 7, 7, 160]);
    expect(top.outputs[0]!.shape).toEqual([null, 7, 7, 1280]);
    expect(top.getLayer('block_16_expand')).toBe(mobilenet.getLayer('block_16_expand'));
    const trainable = top.trainableWeights.map((w) => w.originalName);
    expect(trainable.some((n) => n.includes('block_16_expand/kernel'))).toBe(true);
    expect(trainable.some((n) => n.includes('_BN/'))).toBe(false);
    // block_16: 160·960 + 9·960 + 960·320 weights; Conv_1: 320·1280
    expect(trainableParams(top)).toBe(160 * 960 + 9 * 960 + 960 * 320 + 320 * 1280);
  });
});
