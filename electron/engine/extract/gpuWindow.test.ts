import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BottleneckCache } from '../cache/bottleneckCache';
import { fileSystemSaver } from '../tf/fsModelIO';
import { initBackend } from '../tf/backend';
import { serveGpuPage, type GpuLike, type PagePort } from '../../gpuWindow/gpuPage';
import { ExtractorPool } from './extractorPool';
import { GpuWindowClient } from './gpuWindowClient';
import { clearGpuWindowPort, setGpuWindowPort, type AppPortLike } from './gpuWindowLink';
import { gpuWindowBackend, type ToGpuPage } from './gpuWindowProtocol';
import { gpuWindowRunner } from './gpuWindowRunner';
import type { ExtractorRuntime } from './protocol';
import { fashionMnistDataset } from '../../../test/fixtures/fashionMnist';

/**
 * The engine's side of the desktop app's GPU window, without Electron: the page's real logic
 * (gpuWindow/gpuPage.ts) answers on a worker_threads MessagePort in this thread, on TF.js's wasm
 * backend (there is no WebGPU in Node; gpuPage.test.ts runs it on WebGPU in Chromium), and a
 * Node port dressed as Electron's MessagePortMain stands for the port main hands the engine.
 */
const hardware: GpuLike = {
  requestAdapter: async () => ({
    info: { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200' },
    features: ['shader-f16'],
    limits: { maxBufferSize: 1 << 30 },
  }),
};
const swiftshader: GpuLike = { requestAdapter: async () => ({ info: { vendor: 'google', architecture: 'swiftshader' }, features: [], limits: {} }) };
const noAdapter: GpuLike = { requestAdapter: async () => null };

/** a Node port with Electron MessagePortMain's surface: 'message' events carry { data } */
function asAppPort(p: MessagePort): AppPortLike {
  type Listener = (arg: any) => void;
  const wrapped = new Map<Listener, Listener>();
  const port = {
    on(event: 'message' | 'close', listener: Listener) {
      const l: Listener = event === 'message' ? (data: unknown) => listener({ data }) : listener;
      wrapped.set(listener, l);
      p.on(event, l);
      return port;
    },
    removeListener(event: 'message' | 'close', listener: Listener) {
      p.off(event, wrapped.get(listener) ?? listener);
      return port;
    },
    postMessage: (m: unknown) => p.postMessage(m),
    start: () => p.start(),
    close: () => p.close(),
  };
  return port;
}

/**
 * The page on one end of a fresh channel. `skew` is added to every feature it sends back, as a
 * broken GPU would; `dieAtRun` closes its port when that run request (1 = the parity check's) comes.
 */
function windowWith(gpu: GpuLike, o: { skew?: number; dieAtRun?: number } = {}): { enginePort: MessagePort; pagePort: MessagePort } {
  const { port1: enginePort, port2: pagePort } = new MessageChannel();
  if (!o.skew && !o.dieAtRun) {
    serveGpuPage(pagePort as unknown as PagePort, gpu, { backend: 'wasm' });
    return { enginePort, pagePort };
  }
  const inner = new MessageChannel();
  serveGpuPage(inner.port2 as unknown as PagePort, gpu, { backend: 'wasm' });
  let runs = 0;
  pagePort.on('message', (m: ToGpuPage) => {
    if (m.type === 'run' && ++runs === o.dieAtRun) pagePort.close();
    else inner.port1.postMessage(m);
  });
  inner.port1.on('message', (m: { type: string; data?: Float32Array }) => {
    if (m.type === 'features' && o.skew) m.data = m.data!.map((v) => v + o.skew!);
    pagePort.postMessage(m);
  });
  pagePort.on('close', () => inner.port1.close());
  return { enginePort, pagePort };
}

let root: string;
let images: string[];
const pre = { height: 16, width: 16, resize: 'stretch' as const, range: [-1, 1] as [number, number] };

beforeAll(async () => {
  await initBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-gpuwin-'));
  const x = tfl.input({ shape: [16, 16, 3] });
  const c = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'c' }).apply(x) as tfl.SymbolicTensor;
  const d = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', name: 'd' }).apply(c) as tfl.SymbolicTensor;
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(d) as tfl.SymbolicTensor;
  await tfl.model({ inputs: x, outputs: gap }).save(fileSystemSaver(path.join(root, 'tiny')));
  const ds = await fashionMnistDataset({ perClass: 2 });
  images = ['0_tshirt_top', '9_ankle_boot'].flatMap((k) => fs.readdirSync(path.join(ds, k)).map((f) => path.join(ds, k, f)));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
afterEach(() => clearGpuWindowPort());

async function extract(runtime: ExtractorRuntime, workers = 1): Promise<{ info: ExtractorPool['info']; out: Float32Array }> {
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
    { workers, batchSize: 2 },
  );
  try {
    const items = images.map((p, i) => ({ absPath: p, hash: `i${i}`, file: cache.fileFor(`i${i}`) }));
    expect((await pool.extract(items)).extracted).toBe(images.length);
    return { info: pool.info, out: cache.readBatch(images.map((_, i) => `i${i}`)) };
  } finally {
    await pool.close();
  }
}

/** the pool's workers read the fault-injection variables when they start */
async function withEnv<T>(vars: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe("the engine runs the frozen part in the desktop app's GPU window", () => {
  it("auto takes a hardware adapter there when it is faster than the CPU path, after the parity check, with the CPU path's features, in one worker", async () => {
    setGpuWindowPort(asAppPort(windowWith(hardware).enginePort));
    // the page here runs on wasm, slower than ONNX Runtime: auto weighs it and keeps the CPU, saying why
    const weighed = await extract('auto', 2);
    expect(weighed.info.runtime).toBe('onnx');
    expect(weighed.info.deviceReason).toMatch(/^WebGPU on NVIDIA H200 was slower than the CPU path on the first images \(.* against .* images\/s\)$/);
    // the CPU path's speed counted as 0: the window wins, and alone feeds the GPU
    const gpu = await withEnv({ TRANSFER_LAB_FAULT_CPU_RATE: '0' }, () => extract('auto', 2));
    expect(gpu.info).toMatchObject({ runtime: 'webgpu', backend: gpuWindowBackend, workers: 1 });
    expect(gpu.info.deviceReason).toMatch(/^WebGPU on NVIDIA H200 was faster than the CPU path .* and passed the parity check$/);
    // the page here has no WebGPU to compile our kernels for: the record says whose ran, and why
    expect(gpu.info.fallbackReason).toBe("WGSL kernels: the page was told to run TF.js's wasm backend");
    expect(gpu.info.parityMaxDiff).toBeLessThan(1e-5);
    clearGpuWindowPort();
    const cpu = await extract('layers');
    expect(maxDiff(gpu.out, cpu.out)).toBeLessThan(1e-5);
  });

  it("falls back to the CPU path with the reason when the window's features fail the parity check", async () => {
    setGpuWindowPort(asAppPort(windowWith(hardware, { skew: 0.5 }).enginePort));
    const r = await extract('webgpu');
    expect(r.info.runtime).not.toBe('webgpu');
    expect(r.info.fallbackReason).toMatch(/^webgpu failed the parity check against TF\.js \(relative difference .* on 2 of the dataset's images\)/);
    setGpuWindowPort(asAppPort(windowWith(hardware, { skew: 0.5 }).enginePort));
    const auto = await withEnv({ TRANSFER_LAB_FAULT_CPU_RATE: '0' }, () => extract('auto'));
    expect(auto.info.runtime).toBe('onnx');
    expect(auto.info.deviceReason).toMatch(/^WebGPU on NVIDIA H200 failed the parity check against TF\.js/);
  });

  it('auto keeps the CPU path with the reason when the window has no adapter, or only a software one; a forced webgpu takes the software one', async () => {
    setGpuWindowPort(asAppPort(windowWith(noAdapter).enginePort));
    const none = await extract('auto');
    expect(none.info.runtime).toBe('onnx');
    expect(none.info.deviceReason).toMatch(/did not start: the app window has no WebGPU adapter: Chromium found no WebGPU adapter/);

    setGpuWindowPort(asAppPort(windowWith(swiftshader).enginePort));
    const soft = await extract('auto');
    expect(soft.info.runtime).toBe('onnx');
    expect(soft.info.deviceReason).toMatch(/did not start: the app window's WebGPU adapter is a software one \(swiftshader\), slower than the CPU path/);

    setGpuWindowPort(asAppPort(windowWith(swiftshader).enginePort));
    const forced = await extract('webgpu');
    expect(forced.info).toMatchObject({ runtime: 'webgpu', backend: gpuWindowBackend });
  });

  it('goes on with the CPU path, and says so, when the window dies in the middle of the extraction', async () => {
    // runs 1–3 weigh it (the parity check, a warm-up, the timing); the extraction's first batch is run 4
    setGpuWindowPort(asAppPort(windowWith(hardware, { dieAtRun: 4 }).enginePort));
    const r = await withEnv({ TRANSFER_LAB_FAULT_CPU_RATE: '0' }, () => extract('auto'));
    expect(r.info).toMatchObject({ runtime: 'fused', backend: '@tensorflow/tfjs-backend-wasm' });
    expect(r.info.fallbackReason).toMatch(/^the GPU window stopped in the middle of the extraction \(the GPU window went away .*\); the rest ran on the CPU$/);
    clearGpuWindowPort();
    const cpu = await extract('layers');
    expect(maxDiff(r.out, cpu.out)).toBeLessThan(1e-5);
  });

  it('keeps the CPU path when the window dies while it is weighed', async () => {
    setGpuWindowPort(asAppPort(windowWith(hardware, { dieAtRun: 1 }).enginePort));
    const r = await withEnv({ TRANSFER_LAB_FAULT_CPU_RATE: '0' }, () => extract('auto'));
    expect(r.info.runtime).toBe('onnx');
    expect(r.info.deviceReason).toMatch(/^WebGPU failed while checked: the GPU window went away/);
  });

  it('without a window (the CLI, the web host) auto runs as before', async () => {
    const r = await extract('auto');
    expect(r.info.runtime).toBe('onnx');
    expect(r.info.fallbackReason).toBeUndefined();
  });
});

describe('the GPU window client', () => {
  const graph = {
    spec: JSON.stringify({
      nodes: [
        { op: 'input', name: 'x', inputs: [] },
        { op: 'globalAvgPool', name: 'p', inputs: ['x'], keepDims: false },
      ],
      output: 'p',
      inputShape: [2, 2, 3],
    }),
    weights: new ArrayBuffer(0),
  };

  it("rejects every request with the reason once the window's port closes, the one in flight included", async () => {
    const { port1, port2 } = new MessageChannel();
    // a window that takes the request and dies before answering
    port2.on('message', (m: ToGpuPage) => {
      if (m.type === 'run') port2.close();
    });
    const client = new GpuWindowClient(port1);
    await expect(client.run(new Float32Array(12), [1, 2, 2, 3])).rejects.toThrow(/GPU window went away/);
    await expect(client.adapter()).rejects.toThrow(/GPU window went away/);
  });

  it("rejects with the page's own message when it fails, and keeps serving", async () => {
    const { enginePort } = windowWith(hardware);
    const client = new GpuWindowClient(enginePort);
    await expect(client.run(new Float32Array(12), [1, 2, 2, 3])).rejects.toThrow(/^the GPU window failed: no graph is loaded in the GPU window$/);
    expect(await client.load(graph)).toEqual({ backend: 'wasm', input: 'floats' });
    const y = await client.run(
      Float32Array.from({ length: 12 }, (_, i) => i),
      [1, 2, 2, 3],
    );
    expect([...y]).toEqual([4.5, 5.5, 6.5]);
    await client.close();
  });

  it('gives up on a window that does not answer in time', async () => {
    const { port1 } = new MessageChannel();
    const client = new GpuWindowClient(port1, { quickMs: 50, loadMs: 50, runMs: 50 });
    await expect(client.adapter()).rejects.toThrow(/did not answer 'adapter' within 0 s/);
    await expect(client.load(graph)).rejects.toThrow(/did not answer 'adapter'/);
    port1.close();
  });

  it('a runner is refused, and its port closed, when the window has no adapter', async () => {
    const { enginePort, pagePort } = windowWith(noAdapter);
    const closed = new Promise<void>((resolve) => pagePort.once('close', () => resolve()));
    await expect(gpuWindowRunner(pre, { nodes: [], output: 'x', inputShape: [16, 16, 3] }, enginePort, { allowSoftware: true })).rejects.toThrow(
      /no WebGPU adapter/,
    );
    await closed;
  });
});
