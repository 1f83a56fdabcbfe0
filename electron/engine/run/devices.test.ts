import { describe, expect, it } from 'vitest';
import { runRecordSchema } from '../../../shared/run';
import { runDevices } from './devices';
import { gpuWindowBackend, wgslKernelsEngine } from '../../../shared/gpuEngines';
import { describeExtractor } from '../../../shared/runFacts';

const cpuBackend = { provider: '@tensorflow/tfjs-backend-wasm', gpu: false, noGpuReason: '@tensorflow/tfjs-node-gpu: not installed' };
const gpuBackend = { provider: '@tensorflow/tfjs-node-gpu', gpu: true };

describe('which device ran each part of a run', () => {
  it('ONNX Runtime runs the frozen part on the CPU, and the head says why it is not on a GPU', () => {
    const d = runDevices(cpuBackend, { runtime: 'onnx', backend: 'onnxruntime-node' }, null, null);
    expect(d.frozenPart).toMatchObject({ device: 'cpu', by: "ONNX Runtime's CPU provider" });
    expect(d.frozenPart.why).toBeTruthy();
    expect(d.head).toEqual({ device: 'cpu', by: '@tensorflow/tfjs-backend-wasm', why: '@tensorflow/tfjs-node-gpu: not installed' });
    expect(d.topLayers).toBeUndefined();
  });

  it('a GPU backend runs the head and the top layers on the GPU, with no excuse', () => {
    const d = runDevices(gpuBackend, { runtime: 'fused', backend: 'tensorflow' }, null, { count: 4, switched: null });
    expect(d.head).toEqual({ device: 'gpu', by: '@tensorflow/tfjs-node-gpu' });
    expect(d.topLayers).toEqual({ device: 'gpu', by: '@tensorflow/tfjs-node-gpu' });
    expect(d.frozenPart.device).toBe('gpu');
  });

  it('top layers moved to the CPU for lack of gradient kernels say so; a cached run ran no frozen part', () => {
    const once = { images: 768, seconds: 12, imagesPerSecond: 64, measuredAt: '2026-12-05T08:00:00Z', extractor: 'onnx', device: 'cpu' as const };
    const d = runDevices(
      cpuBackend,
      { runtime: 'cache', backend: 'wasm' },
      { source: 'cache', extracted: 0, cached: 768, measurement: once },
      { count: 2, switched: 'wasm has no convolution gradients' },
    );
    expect(d.topLayers).toEqual({ device: 'cpu', by: '@tensorflow/tfjs-backend-cpu', why: 'wasm has no convolution gradients' });
    expect(d.frozenPart.device).toBe('none');
    // the cached run's frozen part names the extraction its features came from, with its figure
    expect(d.frozenPart).toEqual({
      device: 'none',
      by: 'the feature cache',
      why: 'extracted once by ONNX Runtime (CPU): 12 s for 768 images, 64.0 images/s (15.6 ms an image); reused since',
    });
    // with no record of the extraction (a cache older than the records), only where the features came from
    expect(runDevices(cpuBackend, { runtime: 'cache', backend: 'wasm' }, null, null).frozenPart).toEqual({ device: 'none', by: 'the feature cache' });
  });

  it('the frozen part on WebGPU is recorded as the GPU', () => {
    expect(runDevices(cpuBackend, { runtime: 'webgpu', backend: 'wasm' }, null, null).frozenPart).toEqual({
      device: 'gpu',
      by: "TF.js's WebGPU backend (Dawn)",
    });
    // our WGSL kernels on Dawn's device, and the line the run panel and the CLI print for them
    expect(runDevices(cpuBackend, { runtime: 'webgpu', backend: wgslKernelsEngine }, null, null).frozenPart).toEqual({ device: 'gpu', by: wgslKernelsEngine });
    expect(describeExtractor({ runtime: 'webgpu', backend: wgslKernelsEngine, workers: 1, threads: 1 })).toBe(
      "Transfer Lab's WGSL kernels on WebGPU (Dawn), 1 worker",
    );
    // the desktop app's GPU window: Chromium's WebGPU, not Dawn for Node
    expect(runDevices(cpuBackend, { runtime: 'webgpu', backend: gpuWindowBackend }, null, null).frozenPart).toEqual({
      device: 'gpu',
      by: "Chromium's WebGPU in the app's GPU window",
    });
  });

  it('the run record schema keeps the devices as typed fields', () => {
    const d = runDevices(cpuBackend, { runtime: 'onnx', backend: 'onnxruntime-node' }, null, null);
    const shape = runRecordSchema.shape.devices;
    expect(shape.parse(d)).toEqual(d);
    expect(() => shape.parse({ ...d, head: { device: 'tpu', by: 'x' } })).toThrow();
  });
});
