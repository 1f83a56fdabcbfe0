import { spawnSync } from 'node:child_process';
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
import { tfjsWebgpuEngine, wgslKernelsEngine } from '../../../shared/gpuEngines';
import { fashionMnistDataset } from '../../../test/fixtures/fashionMnist';
import { swiftShaderIcd as swiftshader, swiftShaderOr } from '../../../test/fixtures/swiftShader';

const canSwiftShader = swiftShaderOr('WebGPU extractor tests');

const envKeys = ['TRANSFER_LAB_TEST_SOFTWARE_GPU', 'TRANSFER_LAB_FAULT_CPU_RATE', 'TRANSFER_LAB_WEBGPU_KERNELS'];
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
  // two images stacked along the height: TF.js runs it, our WGSL kernels concatenate only channels
  const stacked = tfl.layers.concatenate({ axis: 1, name: 'stack' }).apply([d, d]) as tfl.SymbolicTensor;
  const stackedGap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(stacked) as tfl.SymbolicTensor;
  await tfl.model({ inputs: x, outputs: stackedGap }).save(fileSystemSaver(path.join(root, 'stacked')));
  const ds = await fashionMnistDataset({ perClass: 2 });
  images = ['0_tshirt_top', '9_ankle_boot'].flatMap((k) => fs.readdirSync(path.join(ds, k)).map((f) => path.join(ds, k, f)));
});
afterAll(() => {
  for (const k of ['VK_DRIVER_FILES', ...envKeys]) delete process.env[k];
  fs.rmSync(root, { recursive: true, force: true });
});

async function features(
  runtime: ExtractorRuntime,
  icd: string,
  env: Record<string, string> = {},
  model = 'tiny',
): Promise<{ info: ExtractorPool['info']; out: Float32Array }> {
  process.env.VK_DRIVER_FILES = icd;
  // the workers read these as they start (process.env is copied into each)
  for (const k of envKeys) delete process.env[k];
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
      modelDir: path.join(root, model),
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

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe.skipIf(!canSwiftShader)('the frozen part on WebGPU (SwiftShader)', () => {
  it("--extractor webgpu runs it on our WGSL kernels after the parity check, with the CPU path's features", async () => {
    const gpu = await features('webgpu', swiftshader);
    expect(gpu.info.runtime).toBe('webgpu');
    expect(gpu.info.backend).toBe(wgslKernelsEngine);
    expect(gpu.info.fallbackReason).toBeUndefined();
    expect(gpu.info.parityMaxDiff).toBeLessThan(1e-4);
    const cpu = await features('layers', swiftshader);
    expect(maxDiff(cpu.out, gpu.out)).toBeLessThan(1e-4);
    // TF.js's WebGPU kernels where asked for (the GPU bench compares the two)
    const tfjs = await features('webgpu', swiftshader, { TRANSFER_LAB_WEBGPU_KERNELS: 'tfjs' });
    expect(tfjs.info.backend).toBe(tfjsWebgpuEngine);
    expect(maxDiff(cpu.out, tfjs.out)).toBeLessThan(1e-4);
  });

  it("an op our WGSL kernels lack runs on TF.js's WebGPU backend, and the record says why", async () => {
    const gpu = await features('webgpu', swiftshader, {}, 'stacked');
    expect(gpu.info.runtime).toBe('webgpu');
    expect(gpu.info.backend).toBe(tfjsWebgpuEngine);
    expect(gpu.info.fallbackReason).toMatch(/^WGSL kernels: layer .* has no WGSL kernel: concatenates along axis 1, not channels/);
    const cpu = await features('layers', swiftshader, {}, 'stacked');
    expect(maxDiff(cpu.out, gpu.out)).toBeLessThan(1e-4);
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
    expect(gpu.info.backend).toBe(wgslKernelsEngine);
    const cpu = await features('layers', swiftshader);
    expect(maxDiff(cpu.out, gpu.out)).toBeLessThan(1e-4);
  });

  it('a run on the GPU from the command line, on a machine with no login session, prints no Vulkan loader noise', async () => {
    // libwayland (loaded with the Vulkan loader in the extraction worker) printed "error:
    // XDG_RUNTIME_DIR is invalid or not set in the environment." twice: the worker's process.env
    // is a copy, so setting it there never reached native code
    const dataset = await fashionMnistDataset({ perClass: 3 });
    const env: NodeJS.ProcessEnv = { ...process.env, VK_DRIVER_FILES: swiftshader, TRANSFER_LAB_CACHE: path.join(root, 'cli-cache') };
    delete env.XDG_RUNTIME_DIR;
    for (const k of envKeys) delete env[k];
    const cli = path.resolve(__dirname, '../../../bin/transfer-lab.cjs');
    const args = [
      cli,
      'train',
      dataset,
      '--model',
      path.join(root, 'tiny'),
      '--cut',
      'gap',
      '--extractor',
      'webgpu',
      '--epochs',
      '1',
      '--out',
      path.join(root, 'cli-run'),
    ];
    const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 180_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/frozen part: GPU by Transfer Lab's WGSL kernels on WebGPU/);
    expect(r.stderr).not.toMatch(/XDG_RUNTIME_DIR/);
  });
});
