/**
 * Whether Dawn for Node (`dawn.node`, the `webgpu` package) may be loaded in this process.
 *
 * Not inside Electron. Electron 21 and later run V8 with the memory cage (the V8 sandbox), where
 * a native addon may not wrap memory of its own in an ArrayBuffer: Node-API answers "External
 * buffers are not allowed" (electron/electron#35801), and dawn.node meets exactly that in
 * Electron (dawn-gpu/node-webgpu#5, where Dawn's maintainer recommends Electron's own WebGPU in
 * a window instead). The engine's utility process has the same V8, so the same cage.
 *
 * Trying it anyway is not worth it: the error comes when a buffer is mapped, that is in the
 * middle of a run and not when the module loads, so a load test would pass and prove nothing;
 * and a fault inside Dawn ends the whole process, which here is the engine with the user's run
 * in it. The desktop app runs the frozen part on Chromium's own WebGPU in a hidden window of
 * the app instead (gpuWindow/), where a GPU fault ends Chromium's GPU process, not the app.
 * The packaged `transfer-lab` command runs on the app's Electron as Node: the same cage, so the
 * same answer there.
 */
export function dawnBlockedReason(versions: NodeJS.ProcessVersions = process.versions): string | null {
  const electron = (versions as NodeJS.ProcessVersions & { electron?: string }).electron;
  if (!electron) return null;
  return `not loaded inside Electron ${electron} (its V8 memory cage refuses the external buffers dawn.node makes): the desktop app runs the GPU path in its GPU window instead, and the CLI reaches Dawn when run by Node`;
}
