import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { rangeScaleOffset, type Preprocessing } from '../../../shared/preprocessing';
import type { FrozenGraph } from '../frozen/frozenGraph';
import { packGraph } from '../frozen/graphWire';
import { isSoftwareAdapter } from '../devices/probeDevices';
import { enlargeToInput } from '../tf/enlarge';
import { GpuWindowClient, type ClientPort, type ClientTimeouts } from './gpuWindowClient';
import type { FromWorker } from './protocol';
import type { GpuRunner, Runner } from './runner';
import { gpuWindowBackend, wgslKernelsWindow } from '../../../shared/gpuEngines';

/**
 * The frozen part on the desktop app's GPU window: Chromium's own WebGPU under TF.js, the same
 * fused graph as the engine's. The worker keeps decoding; it maps the pixels onto the model's
 * value range and enlarges small images here, on its own TF.js backend, exactly as the CPU
 * path does, and the window gets float32 batches at the model's input size.
 *
 * Building it rejects, with the reason, when the window has no adapter, when its only adapter
 * is a software one and the GPU was not asked for by name, or when the graph does not load;
 * the caller then takes the CPU path and records why. Its features are then checked against
 * the plain TF.js model before any is written (the worker's parity check).
 */
export function preprocessForWindow(pixels: Uint8Array, n: number, size: readonly [number, number], pre: Preprocessing): Float32Array {
  const { scale, offset } = rangeScaleOffset(pre);
  const floats = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) floats[i] = pixels[i]! * scale + offset;
  if (size[0] === pre.height && size[1] === pre.width) return floats;
  return tf.tidy(() => enlargeToInput(tf.tensor4d(floats, [n, size[0], size[1], 3]), pre.height, pre.width).dataSync() as Float32Array);
}

export interface GpuWindowRunnerOptions {
  /** take a software adapter (SwiftShader) too: only when the user asked for the GPU by name */
  allowSoftware: boolean;
  timeouts?: ClientTimeouts;
}

/** `graph`: the frozen part with the bottleneck's pooling on top, as the cache stores it */
export async function gpuWindowRunner(
  pre: Preprocessing,
  graph: FrozenGraph,
  port: ClientPort,
  o: GpuWindowRunnerOptions,
): Promise<GpuRunner & { adapterName: string }> {
  const client = new GpuWindowClient(port, o.timeouts);
  let adapterName: string;
  let loaded: Awaited<ReturnType<GpuWindowClient['load']>>;
  try {
    const { adapter, reason } = await client.adapter();
    if (!adapter) throw new Error(`the app window has no WebGPU adapter: ${reason ?? 'none found'}`);
    adapterName = adapter.description || adapter.device || adapter.architecture || adapter.vendor || 'unnamed';
    if (isSoftwareAdapter(adapter, adapter.isFallbackAdapter)) {
      if (!o.allowSoftware) throw new Error(`the app window's WebGPU adapter is a software one (${adapterName}), slower than the CPU path`);
      adapterName = `software adapter ${adapterName}`;
    }
    loaded = await client.load(packGraph(graph), pre);
  } catch (e) {
    await client.close();
    throw e;
  }
  const common = { runtime: 'webgpu' as const, adapterName, dispose: () => client.close() };
  if (loaded.input === 'pixels')
    return { ...common, engine: wgslKernelsWindow, infer: (pixels, n, [h, w] = [pre.height, pre.width]) => client.runPixels(pixels, [n, h, w, 3]) };
  return {
    ...common,
    engine: gpuWindowBackend,
    ...(loaded.kernelsReason ? { fallbackReason: `WGSL kernels: ${loaded.kernelsReason}` } : {}),
    infer: (pixels, n, size = [pre.height, pre.width]) => client.run(preprocessForWindow(pixels, n, size, pre), [n, pre.height, pre.width, 3]),
  };
}

/**
 * The window may die in the middle of an extraction (its renderer crashed, the GPU was reset,
 * the user's driver hung and the page stopped answering). Then the batch in hand and every one
 * after run on the CPU path that `cpu` builds, in this same worker, and the pool is told
 * ('switched') so the run records the CPU and the reason. Nothing already written changes:
 * those features passed the parity check.
 */
export function continuingOnCpu(gpu: Runner, cpu: () => Promise<Runner>, tell: (m: FromWorker) => void = (m) => parentPort?.postMessage(m)): Runner {
  let current: Runner = gpu;
  let switching: Promise<Runner> | null = null;
  const switchToCpu = (e: unknown) => {
    switching ??= (async () => {
      const reason = `the GPU window stopped in the middle of the extraction (${(e instanceof Error ? e.message : String(e)).split('\n')[0]}); the rest ran on the CPU`;
      await Promise.resolve(gpu.dispose()).catch(() => undefined);
      const next = await cpu();
      current = next;
      tell({ type: 'switched', runtime: next.runtime, reason });
      return next;
    })();
    return switching;
  };
  return {
    runtime: gpu.runtime,
    ...(gpu.engine ? { engine: gpu.engine } : {}),
    infer: async (pixels, n, size) => {
      if (current === gpu && !switching) {
        try {
          return await gpu.infer(pixels, n, size);
        } catch (e) {
          return (await switchToCpu(e)).infer(pixels, n, size);
        }
      }
      return (await (switching ?? Promise.resolve(current))).infer(pixels, n, size);
    },
    dispose: () => (current === gpu ? gpu.dispose() : current.dispose()),
  };
}
