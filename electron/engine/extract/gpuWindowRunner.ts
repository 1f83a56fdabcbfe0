import * as tf from '@tensorflow/tfjs-core';
import { rangeScaleOffset, type Preprocessing } from '../../../shared/preprocessing';
import type { FrozenGraph } from '../frozen/frozenGraph';
import { packGraph } from '../frozen/graphWire';
import { isSoftwareAdapter } from '../devices/probeDevices';
import { enlargeToInput } from '../tf/enlarge';
import { GpuWindowClient, type ClientPort, type ClientTimeouts } from './gpuWindowClient';
import type { Runner } from './runners';

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
export async function gpuWindowRunner(pre: Preprocessing, graph: FrozenGraph, port: ClientPort, o: GpuWindowRunnerOptions): Promise<Runner & { adapterName: string }> {
  const client = new GpuWindowClient(port, o.timeouts);
  let adapterName: string;
  try {
    const { adapter, reason } = await client.adapter();
    if (!adapter) throw new Error(`the app window has no WebGPU adapter: ${reason ?? 'none found'}`);
    adapterName = adapter.description || adapter.device || adapter.architecture || adapter.vendor || 'unnamed';
    if (isSoftwareAdapter(adapter, adapter.isFallbackAdapter)) {
      if (!o.allowSoftware) throw new Error(`the app window's WebGPU adapter is a software one (${adapterName}), slower than the CPU path`);
      adapterName = `software adapter ${adapterName}`;
    }
    await client.load(packGraph(graph));
  } catch (e) {
    await client.close();
    throw e;
  }
  return {
    runtime: 'webgpu',
    adapterName,
    infer: (pixels, n, size = [pre.height, pre.width]) => client.run(preprocessForWindow(pixels, n, size, pre), [n, pre.height, pre.width, 3]),
    dispose: () => client.close(),
  };
}
