import * as tf from '@tensorflow/tfjs-core';

/**
 * TF.js's WebGPU backend through Dawn for Node (the optional `webgpu` package), ready to run;
 * rejects with the reason when it cannot (not installed, no Vulkan adapter, backend refused).
 */
export async function startWebgpuBackend(): Promise<string> {
  const { nodeGpu, probeAdapters } = await import('../devices/probeDevices');
  const gpu = await nodeGpu();
  const { adapters, noAdapterReason } = await probeAdapters(gpu);
  if (!adapters.length) throw new Error(noAdapterReason ?? 'no WebGPU adapter');
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator) {
    if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  } else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu' as string);
  const previous = tf.getBackend();
  const ok = await tf.setBackend('webgpu').catch(() => false);
  await tf.setBackend(previous);
  if (!ok) throw new Error("TF.js's WebGPU backend did not start");
  const a = adapters[0]!;
  return `${a.software ? 'software' : 'hardware'} adapter ${a.name || a.architecture}`;
}
