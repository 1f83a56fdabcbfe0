import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BottleneckCache } from '../cache/bottleneckCache';
import { fileSystemSaver } from '../tf/fsModelIO';
import { initBackend } from '../tf/backend';
import { ExtractorPool } from './extractorPool';
import type { ExtractorRuntime } from './protocol';
import { fashionMnistDataset } from '../../../test/fixtures/fashionMnist';

const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
const hasVulkan = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'].some((p) => fs.existsSync(p));
const canSwiftShader = fs.existsSync(swiftshader) && hasVulkan;
if (!canSwiftShader) console.log(`WebGPU extractor tests skipped: ${swiftshader} or libvulkan.so.1 is absent (apt-get install chromium libvulkan1)`);

let root: string;
let images: string[];
const pre = { height: 16, width: 16, resize: 'stretch' as const, range: [-1, 1] as [number, number] };

beforeAll(async () => {
  await initBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-webgpu-'));
  const x = tfl.input({ shape: [16, 16, 3] });
  const c = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'c' }).apply(x) as tfl.SymbolicTensor;
  const d = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', name: 'd' }).apply(c) as tfl.SymbolicTensor;
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(d) as tfl.SymbolicTensor;
  await tfl.model({ inputs: x, outputs: gap }).save(fileSystemSaver(path.join(root, 'tiny')));
  const ds = await fashionMnistDataset({ perClass: 2 });
  images = ['0_tshirt_top', '9_ankle_boot'].flatMap((k) => fs.readdirSync(path.join(ds, k)).map((f) => path.join(ds, k, f)));
});
afterAll(() => {
  for (const k of ['VK_DRIVER_FILES', 'TRANSFER_LAB_TEST_SOFTWARE_GPU', 'TRANSFER_LAB_FAULT_CPU_RATE']) delete process.env[k];
  fs.rmSync(root, { recursive: true, force: true });
});

async function features(runtime: ExtractorRuntime, icd: string, env: Record<string, string> = {}): Promise<{ info: ExtractorPool['info']; out: Float32Array }> {
  process.env.VK_DRIVER_FILES = icd;
  // the workers read these as they start (process.env is copied into each)
  for (const k of ['TRANSFER_LAB_TEST_SOFTWARE_GPU', 'TRANSFER_LAB_FAULT_CPU_RATE']) delete process.env[k];
  Object.assign(process.env, env);
  const cache = new BottleneckCache(path.join(root, `${runtime}-${Math.random()}`), {
    modelKey: 'tiny',
    cut: 'gap',
    pooling: 'none',
    preprocessing: pre,
    featureDim: 8,
  });
  const pool = await ExtractorPool.start(
    {
      modelDir: path.join(root, 'tiny'),
      format: 'layers',
      cut: 'gap',
      pooling: 'none',
      preprocessing: pre,
      backend: 'wasm',
      runtime,
      cacheDir: cache.dir,
      featureDim: 8,
      parityCheck: true,
      parityImages: images.slice(0, 2),
    },
    { workers: runtime === 'auto' ? 2 : 1, batchSize: 4 },
  );
  try {
    const items = images.map((p, i) => ({ absPath: p, hash: `i${i}`, file: cache.fileFor(`i${i}`) }));
    expect((await pool.extract(items)).extracted).toBe(images.length);
    return { info: pool.info, out: cache.readBatch(images.map((_, i) => `i${i}`)) };
  } finally {
    await pool.close();
  }
}

describe.skipIf(!canSwiftShader)('the frozen part on WebGPU (SwiftShader)', () => {
  it("--extractor webgpu runs it on TF.js WebGPU after the parity check, with the CPU path's features", async () => {
    const gpu = await features('webgpu', swiftshader);
    expect(gpu.info.runtime).toBe('webgpu');
    expect(gpu.info.fallbackReason).toBeUndefined();
    expect(gpu.info.parityMaxDiff).toBeLessThan(1e-4);
    const cpu = await features('layers', swiftshader);
    let d = 0;
    for (let i = 0; i < cpu.out.length; i++) d = Math.max(d, Math.abs(cpu.out[i]! - gpu.out[i]!));
    expect(d).toBeLessThan(1e-4);
  });

  it('a forced webgpu with no adapter falls back to the CPU path with the reason', async () => {
    const r = await features('webgpu', path.join(root, 'no-such-icd.json'));
    expect(r.info.runtime).not.toBe('webgpu');
    expect(r.info.fallbackReason).toMatch(/^WebGPU: .*no Vulkan adapter/);
  });

  it('auto never takes a software adapter: the CPU path, and the reason names SwiftShader', async () => {
    const r = await features('auto', swiftshader);
    expect(r.info.runtime).toBe('onnx');
    expect(r.info.deviceReason).toBe('the only GPU adapter is software (SwiftShader): it is for tests, never for speed');
    expect(r.info.fallbackReason).toBeUndefined();
  });

  it("auto with no adapter: the CPU path, with Dawn's reason", async () => {
    const r = await features('auto', path.join(root, 'no-such-icd.json'));
    expect(r.info.runtime).toBe('onnx');
    expect(r.info.deviceReason).toMatch(/^no GPU adapter: Dawn found no Vulkan adapter/);
  });

  it('auto weighing an adapter as hardware (tests only) starts, checks and times it: slower stays on the CPU', async () => {
    const r = await features('auto', swiftshader, { TRANSFER_LAB_TEST_SOFTWARE_GPU: '1' });
    expect(r.info.runtime).toBe('onnx');
    expect(r.info.deviceReason).toMatch(/^WebGPU on SwiftShader was slower than the CPU path on the first images \([\d.]+ against [\d.]+ images\/s\)$/);
  });

  it("auto takes the GPU when it passes parity and measures faster, in every worker, with the CPU path's features", async () => {
    const gpu = await features('auto', swiftshader, { TRANSFER_LAB_TEST_SOFTWARE_GPU: '1', TRANSFER_LAB_FAULT_CPU_RATE: '0' });
    expect(gpu.info.runtime).toBe('webgpu');
    expect(gpu.info.workers).toBe(2);
    expect(gpu.info.deviceReason).toMatch(/^WebGPU on SwiftShader was faster than the CPU path .* and passed the parity check$/);
    expect(gpu.info.parityMaxDiff).toBeLessThan(1e-4);
    const cpu = await features('layers', swiftshader);
    let d = 0;
    for (let i = 0; i < cpu.out.length; i++) d = Math.max(d, Math.abs(cpu.out[i]! - gpu.out[i]!));
    expect(d).toBeLessThan(1e-4);
  });
});
