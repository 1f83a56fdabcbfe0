/**
 * What runs the frozen part on a GPU: the extractor's `backend` in a run's facts and record
 * where its runtime is `webgpu`, so the run panel, the report and `transfer-lab train` say whose
 * kernels ran. Records from before the WGSL kernels carry a TF.js backend name there instead;
 * those ran on TF.js's WebGPU backend.
 */
export const wgslKernelsEngine = "Transfer Lab's WGSL kernels on WebGPU (Dawn)";
export const tfjsWebgpuEngine = "TF.js's WebGPU backend (Dawn)";
export const gpuWindowBackend = "Chromium's WebGPU in the app's GPU window";
export const wgslKernelsWindow = "Transfer Lab's WGSL kernels on Chromium's WebGPU in the app's GPU window";

/** who ran a `webgpu` extraction, from its record's backend */
export function gpuEngineOf(backend: string): string {
  return [wgslKernelsEngine, tfjsWebgpuEngine, gpuWindowBackend, wgslKernelsWindow].includes(backend) ? backend : tfjsWebgpuEngine;
}
