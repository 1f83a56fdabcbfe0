import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../tf/backend';
import { loadLayersBackbone } from '../../models/loadBackbone';
import { pretrainedModelDir } from '../../../../test/fixtures/pretrainedModels';
import { optimizeFrozenGraph, UnsupportedLayerError, type FrozenGraph } from '../frozenGraph';
import { frozenGraphFromLayers } from '../fromLayers';
import { compileWgsl } from './compileWgsl';
import { planBatch } from './wgslSession';

/* The WGSL compiler's plan, checked without a GPU: what runs on one is in wgslSession.test.ts. */

const pre = { height: 224, width: 224, resize: 'stretch' as const, range: [-1, 1] as [number, number] };
const bigLimits = { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 31, maxComputeWorkgroupsPerDimension: 65535 };

let mobilenet: FrozenGraph;
beforeAll(async () => {
  await initBackend('wasm');
  mobilenet = optimizeFrozenGraph(frozenGraphFromLayers(await loadLayersBackbone(pretrainedModelDir('mobilenet_v2')), 'flatten_1'));
});

describe('compileWgsl', () => {
  it('runs MobileNetV2 as one dispatch per fused op in three reused buffers', () => {
    const plan = compileWgsl(mobilenet, pre);
    // 52 convolutions (BatchNorm and ReLU6 folded in), 10 residual adds, the pixels' preprocessing and the pooling
    expect(plan.steps).toHaveLength(64);
    expect(plan.steps.filter((s) => s.code.includes('var<workgroup> As'))).toHaveLength(35);
    // every value lives in one of three buffers: the 112×112×96 expansion, and two that take turns
    expect(plan.slots).toEqual([112 * 112 * 96, 56 * 56 * 144, 56 * 56 * 144]);
    expect(plan.output.perImage).toBe(1280);
    // no step reads the buffer it writes
    for (const s of plan.steps) {
      const out = s.bindings[s.bindings.length - 1]!;
      for (const b of s.bindings.slice(0, -1)) expect(b).not.toEqual(out);
    }
  });

  it('plans the batch from the device limits and the memory budget', () => {
    const plan = compileWgsl(mobilenet, pre);
    const perImage = (112 * 112 * 96 + 2 * 56 * 56 * 144) * 4;
    expect(planBatch(plan, bigLimits, { memoryBudget: 10 * perImage })).toEqual({ maxBatch: 10, limitedBy: 'memory budget' });
    // WebGPU's default 128 MiB binding: 27 images of the 4.8 MB expansion
    expect(planBatch(plan, { ...bigLimits, maxStorageBufferBindingSize: 2 ** 27 })).toEqual({ maxBatch: 27, limitedBy: 'binding size' });
    expect(planBatch(plan, bigLimits, { batchCap: 8 })).toEqual({ maxBatch: 8, limitedBy: 'cap' });
    // 112×112 GEMM rows an image in tiles of 32: 65,535 workgroups hold 167 images
    expect(planBatch(plan, { ...bigLimits, maxComputeWorkgroupsPerDimension: 65535 }, { memoryBudget: 2 ** 40, batchCap: 1000 })).toEqual({
      maxBatch: 167,
      limitedBy: 'workgroups',
    });
    expect(() => planBatch(plan, { ...bigLimits, maxStorageBufferBindingSize: 2 ** 20 })).toThrow(/one image needs more GPU memory/);
  });

  it('names the op it has no kernel for', () => {
    const x = tfl.input({ shape: [4, 4, 3] });
    const y = tfl.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'softmax', name: 'soft' }).apply(x) as tfl.SymbolicTensor;
    const g = optimizeFrozenGraph(frozenGraphFromLayers(tfl.model({ inputs: x, outputs: y }), 'soft'));
    expect(() => compileWgsl(g, pre)).toThrow(UnsupportedLayerError);
    expect(() => compileWgsl(g, pre)).toThrow(/soft .*no WGSL kernel: activation softmax/);
  });
});
