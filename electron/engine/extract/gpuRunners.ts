import * as tf from '@tensorflow/tfjs-core';
import type { FrozenGraph } from '../frozen/frozenGraph';
import { FusedExecutor } from '../frozen/fusedExecutor';
import { pixelsToFloat } from '../images/modelPixels';
import { enlargeToInput } from '../tf/enlarge';
import { startWebgpuBackend } from '../tf/webgpu';
import type { WorkerInit } from './protocol';
import { chooseFrozenDevice } from './chooseDevice';
import { adapterFacts, softwareAsHardware } from './adapterFacts';
import { continuingOnCpu, gpuWindowRunner } from './gpuWindowRunner';
import { firstLine, withPooling, type GpuCandidate, type GpuRunner, type Runner } from './runner';
import { tfjsWebgpuEngine, wgslKernelsEngine } from '../../../shared/gpuEngines';

/**
 * The GPU runtimes: Dawn's WebGPU under TF.js in plain Node, or Chromium's in the desktop app's
 * GPU window; and what `auto` knows of the GPU before it weighs it (gpuCandidate).
 * `cpuAfter`: the CPU path that takes over should the window die once it was kept.
 */
type CpuAfter = () => Promise<Runner>;

/**
 * The frozen graph on WebGPU in plain Node: compiled to our own WGSL kernels (frozen/wgsl) where
 * every op has one, else run by TF.js's WebGPU backend with the reason. Set
 * TRANSFER_LAB_WEBGPU_KERNELS=tfjs to take TF.js's kernels (the GPU bench compares the two).
 */
export async function webgpuRunner(init: WorkerInit, graph: FrozenGraph, cpuAfter: CpuAfter): Promise<GpuRunner> {
  // the desktop app: Chromium's WebGPU in its GPU window (Dawn for Node cannot load in Electron)
  if (init.gpuWindowPort) {
    const window = await rawWindowRunner(init, graph, true);
    return { ...continuingOnCpu(window, cpuAfter), ...(window.fallbackReason ? { fallbackReason: window.fallbackReason } : {}) };
  }
  if (process.env.TRANSFER_LAB_WEBGPU_KERNELS === 'tfjs') return tfjsWebgpuRunner(init, graph);
  let why: string;
  try {
    return await wgslRunner(init, graph);
  } catch (e) {
    why = `WGSL kernels: ${firstLine(e)}`;
  }
  return { ...(await tfjsWebgpuRunner(init, graph)), fallbackReason: why };
}

/** our WGSL kernels on Dawn's device: pixels in as bytes, enlarged and mapped on the GPU */
async function wgslRunner(init: WorkerInit, graph: FrozenGraph): Promise<GpuRunner> {
  const [{ nodeGpu }, { compileWgsl }, { WgslSession }] = await Promise.all([
    import('../devices/probeDevices'),
    import('../frozen/wgsl/compileWgsl'),
    import('../frozen/wgsl/wgslSession'),
  ]);
  const plan = compileWgsl(withPooling(graph, init.pooling), init.preprocessing);
  const session = await WgslSession.create((await nodeGpu()) as GPU, plan);
  return { runtime: 'webgpu', engine: wgslKernelsEngine, infer: (pixels, n, size) => session.run(pixels, n, size), dispose: () => session.dispose() };
}

/**
 * The frozen graph on TF.js's WebGPU backend, fused executor. Synchronous reads throw there in
 * Node (`OffscreenCanvas is not defined`): features come back through `await data()`. The
 * worker's own backend stays active between calls, so the parity reference runs on the CPU.
 */
async function tfjsWebgpuRunner(init: WorkerInit, graph: FrozenGraph): Promise<GpuRunner> {
  await startWebgpuBackend();
  const { height, width } = init.preprocessing;
  const previous = tf.getBackend();
  await tf.setBackend('webgpu');
  const executor = new FusedExecutor(withPooling(graph, init.pooling));
  await tf.setBackend(previous);
  return {
    runtime: 'webgpu',
    engine: tfjsWebgpuEngine,
    infer: async (pixels, n, [h, w] = [height, width]) => {
      const back = tf.getBackend();
      await tf.setBackend('webgpu');
      try {
        const y = tf.tidy(() =>
          tf.reshape(executor.run(enlargeToInput(tf.tensor4d(pixelsToFloat(pixels, init.preprocessing), [n, h, w, 3]), height, width)), [n, -1]),
        );
        try {
          return (await y.data()) as Float32Array;
        } finally {
          y.dispose();
        }
      } finally {
        await tf.setBackend(back);
      }
    },
    dispose: () => executor.dispose(),
  };
}

/** the frozen part in the desktop app's GPU window, its failures its own */
async function rawWindowRunner(init: WorkerInit, graph: FrozenGraph, allowSoftware: boolean): Promise<GpuRunner & { adapterName: string }> {
  return gpuWindowRunner(init.preprocessing, withPooling(graph, init.pooling), init.gpuWindowPort!, { allowSoftware });
}

/**
 * `auto` in the desktop app: the GPU is the window's (Chromium's WebGPU), weighed like Dawn's
 * in plain Node: its start here (a software adapter refuses to start unless a test lets it),
 * then the worker's parity check and timing against the CPU path. A window that fails while
 * weighed loses; once kept, a window that dies hands the rest to the CPU.
 */
async function windowCandidate(init: WorkerInit, graph: FrozenGraph, cpuAfter: CpuAfter): Promise<Omit<GpuCandidate, 'reference'>> {
  const adapter = { name: "the app window's GPU", vendor: '', architecture: '', software: false };
  let gpu: GpuRunner & { adapterName: string };
  try {
    gpu = await rawWindowRunner(init, graph, softwareAsHardware());
  } catch (e) {
    return { facts: { adapter, gpuStart: { ok: false, error: firstLine(e) } } };
  }
  let chosen = false;
  const safe = continuingOnCpu(gpu, cpuAfter);
  const runner: GpuRunner = {
    runtime: 'webgpu',
    ...(gpu.engine ? { engine: gpu.engine } : {}),
    ...(gpu.fallbackReason ? { fallbackReason: gpu.fallbackReason } : {}),
    infer: (pixels, n, size) => (chosen ? safe.infer(pixels, n, size) : gpu.infer(pixels, n, size)),
    dispose: () => safe.dispose(),
  };
  return { facts: { adapter: { ...adapter, name: gpu.adapterName }, gpuStart: { ok: true } }, runner, onChosen: () => (chosen = true) };
}

export async function gpuCandidate(init: WorkerInit, graph: FrozenGraph, cpuAfter: CpuAfter): Promise<Omit<GpuCandidate, 'reference'>> {
  if (init.gpuWindowPort) return windowCandidate(init, graph, cpuAfter);
  const facts = await adapterFacts();
  const step = chooseFrozenDevice(facts);
  if (!('next' in step) || step.next !== 'start') return { facts };
  try {
    const runner = await webgpuRunner(init, graph, cpuAfter);
    return { facts: { ...facts, gpuStart: { ok: true } }, runner };
  } catch (e) {
    return { facts: { ...facts, gpuStart: { ok: false, error: firstLine(e) } } };
  }
}
