import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { FusedExecutor } from '../engine/frozen/fusedExecutor';
import { unpackGraph } from '../engine/frozen/graphWire';
import type { FromGpuPage, GpuPageAdapter, ToGpuPage } from '../engine/extract/gpuWindowProtocol';
import { compileWgsl } from '../engine/frozen/wgsl/compileWgsl';
import { WgslSession } from '../engine/frozen/wgsl/wgslSession';
import { wgslKernelsWindow } from '../../shared/gpuEngines';

/**
 * The desktop app's GPU window, its whole logic: the engine's frozen graph on Chromium's own
 * WebGPU, compiled to our WGSL kernels as the engine compiles it in Node (the decoder's bytes
 * in), or, where an op has no kernel of ours, on TF.js's WebGPU backend with the same fused
 * executor the engine runs (preprocessed floats in). It knows
 * nothing of Electron (the port and navigator.gpu come in as arguments), so the same module runs
 * in any browser page, and is tested in Debian's Chromium on SwiftShader.
 *
 * Requests are answered one at a time in the order they came; a failure is answered as
 * 'failed' with its message and leaves the page serving (the engine decides what to do).
 */
export interface PagePort {
  postMessage(message: FromGpuPage, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  start(): void;
  close(): void;
}

type Transferable = ArrayBuffer;

interface AdapterLike {
  info?: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> & { isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  features: Iterable<string>;
  limits: Record<string, number>;
}
export interface GpuLike {
  requestAdapter(o?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<AdapterLike | null>;
}

async function adapterFacts(gpu: GpuLike | undefined): Promise<{ adapter: GpuPageAdapter | null; reason?: string }> {
  if (!gpu)
    return { adapter: null, reason: 'this window has no WebGPU (navigator.gpu is missing: Chromium was started without it, or its GPU process is blocked)' };
  const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!a) return { adapter: null, reason: 'Chromium found no WebGPU adapter (no supported GPU, or its driver is on the block list)' };
  const i = a.info ?? {};
  return {
    adapter: {
      vendor: i.vendor ?? '',
      architecture: i.architecture ?? '',
      device: i.device ?? '',
      description: i.description ?? '',
      isFallbackAdapter: Boolean(i.isFallbackAdapter ?? a.isFallbackAdapter),
      features: [...a.features].sort(),
      limits: { maxBufferSize: a.limits.maxBufferSize ?? 0, maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize ?? 0 },
    },
  };
}

const message = (e: unknown) => ((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? String(e)).slice(0, 300);

/**
 * `backend`: TF.js's backend to run on; WebGPU in the app. Tests of the protocol in Node pass
 * 'cpu', where there is no WebGPU to be had.
 */
export function serveGpuPage(port: PagePort, gpu: GpuLike | undefined, { backend = 'webgpu' }: { backend?: string } = {}): { idle: () => Promise<void> } {
  let executor: FusedExecutor | null = null;
  let session: WgslSession | null = null;
  let queue: Promise<void> = Promise.resolve();

  const unload = async () => {
    executor?.dispose();
    executor = null;
    await session?.dispose();
    session = null;
  };

  /** our WGSL kernels on this window's adapter, or why not */
  async function wgslSession(m: Extract<ToGpuPage, { type: 'load' }>): Promise<WgslSession | string> {
    if (!m.preprocessing) return 'not asked for';
    if (!gpu) return 'this window has no WebGPU';
    if (backend !== 'webgpu') return `the page was told to run TF.js's ${backend} backend`;
    try {
      return await WgslSession.create(gpu as unknown as GPU, compileWgsl(unpackGraph(m.graph), m.preprocessing));
    } catch (e) {
      return message(e);
    }
  }

  async function answer(m: ToGpuPage): Promise<void> {
    switch (m.type) {
      case 'adapter':
        port.postMessage({ type: 'adapter', id: m.id, ...(await adapterFacts(gpu)) });
        return;
      case 'load': {
        await unload();
        const wgsl = await wgslSession(m);
        if (typeof wgsl !== 'string') {
          session = wgsl;
          port.postMessage({ type: 'loaded', id: m.id, backend: wgslKernelsWindow, input: 'pixels' });
          return;
        }
        if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`TF.js's ${backend} backend did not start in this window`);
        executor = new FusedExecutor(unpackGraph(m.graph));
        port.postMessage({ type: 'loaded', id: m.id, backend: tf.getBackend(), input: 'floats', ...(m.preprocessing ? { kernelsReason: wgsl } : {}) });
        return;
      }
      case 'runPixels': {
        if (!session) throw new Error('no graph is loaded in the GPU window for pixels');
        const [n, h, w] = m.shape;
        port.postMessage({ type: 'features', id: m.id, data: await session.run(m.pixels, n, [h, w]) });
        return;
      }
      case 'run': {
        if (!executor) throw new Error('no graph is loaded in the GPU window');
        const run = executor;
        const [n] = m.shape;
        const y = tf.tidy(() => tf.reshape(run.run(tf.tensor4d(m.input, m.shape)), [n, -1]));
        try {
          const data = (await y.data()) as Float32Array;
          // copied, not transferred: a few KiB, and the far end is Electron's MessagePortMain
          port.postMessage({ type: 'features', id: m.id, data });
        } finally {
          y.dispose();
        }
        return;
      }
      case 'unload':
        await unload();
        port.postMessage({ type: 'unloaded', id: m.id });
        return;
    }
  }

  port.addEventListener('message', (e) => {
    const m = e.data as ToGpuPage;
    if (typeof m !== 'object' || m === null || typeof m.id !== 'number') return;
    queue = queue.then(() => answer(m)).catch((err: unknown) => port.postMessage({ type: 'failed', id: m.id, message: message(err) }));
  });
  port.start();
  return { idle: () => queue };
}
