import type { PackedGraph } from '../frozen/graphWire';
import type { Preprocessing } from '../../../shared/preprocessing';

/**
 * Messages between the engine and the desktop app's GPU window (gpuWindow/gpuPage.ts), over a
 * MessagePort that Electron's main hands to both ends. Plain data; every request carries an id
 * its answer repeats. Pure types: the page imports them too.
 */
export type ToGpuPage =
  /** which adapter Chromium's WebGPU gives this window */
  | { type: 'adapter'; id: number }
  /**
   * run this graph from now on (replaces the one loaded before); with `preprocessing`, the page
   * compiles it to our WGSL kernels, which take the decoder's bytes, where every op has one
   */
  | { type: 'load'; id: number; graph: PackedGraph; preprocessing?: Preprocessing }
  /** input: preprocessed pixels, [n, height, width, 3] float32, at the model's input size (a graph loaded as 'floats') */
  | { type: 'run'; id: number; input: Float32Array; shape: [number, number, number, number] }
  /** pixels: the decoder's bytes, [n, height, width, 3], at the model's input size or smaller (a graph loaded as 'pixels') */
  | { type: 'runPixels'; id: number; pixels: Uint8Array; shape: [number, number, number, number] }
  /** release the graph's weights on the GPU */
  | { type: 'unload'; id: number };

export interface GpuPageAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

export type FromGpuPage =
  | { type: 'adapter'; id: number; adapter: GpuPageAdapter | null; reason?: string }
  /**
   * backend: whose kernels run the graph (wgslKernelsWindow, or TF.js's backend); input: what its
   * 'run' requests carry; kernelsReason: why our WGSL kernels were not the ones, where they were asked for
   */
  | { type: 'loaded'; id: number; backend: string; input: 'pixels' | 'floats'; kernelsReason?: string }
  /** [n, featureDim] float32, row by row */
  | { type: 'features'; id: number; data: Float32Array }
  | { type: 'unloaded'; id: number }
  | { type: 'failed'; id: number; message: string };

/** what the run record says ran the frozen part, when the GPU window did */
export { gpuWindowBackend } from '../../../shared/gpuEngines';
