import { BrowserWindow, MessageChannelMain, type MessagePortMain } from 'electron';
import type { AppFiles } from './appFiles';
import type { EngineProcess } from './engine/engineProcess';
import { GpuWindowLink } from './gpuWindowLink';

/**
 * The GPU window itself: hidden, sandboxed, isolated, no Node, served from app:// like the main
 * window, under the same Content-Security-Policy. Its preload only passes the engine's port on
 * to the page. It never shows, and its timers are not throttled for being hidden.
 */
export function createGpuWindow(files: Pick<AppFiles, 'gpuPreload' | 'gpuPageUrl'>): BrowserWindow {
  const win = new BrowserWindow({
    show: false,
    width: 64,
    height: 64,
    title: 'Transfer Lab GPU',
    skipTaskbar: true,
    webPreferences: {
      preload: files.gpuPreload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      backgroundThrottling: false,
      spellcheck: false,
    },
  });
  void win.loadURL(files.gpuPageUrl.href);
  return win;
}

/**
 * Whether the app runs the GPU window: on unless TRANSFER_LAB_GPU_WINDOW=0 (a driver that
 * misbehaves under Chromium's WebGPU; the engine then keeps to the CPU and says why).
 */
export function gpuWindowWanted(env: NodeJS.ProcessEnv): boolean {
  return env.TRANSFER_LAB_GPU_WINDOW !== '0';
}

/**
 * Chromium's switches for WebGPU where it is not on by default. On Linux Chromium offers
 * WebGPU only with `enable-unsafe-webgpu` (and reaches the GPU through Vulkan); the window
 * runs only the app's own page, and a software adapter is refused by the engine anyway. Set
 * before the app is ready.
 */
export function gpuSwitches(platform: NodeJS.Platform): [string, string?][] {
  return platform === 'linux' ? [['enable-unsafe-webgpu'], ['enable-features', 'Vulkan']] : [];
}

export function linkGpuWindow(
  files: Pick<AppFiles, 'gpuPreload' | 'gpuPageUrl'>,
  engine: () => EngineProcess | null,
  log: (m: string) => void,
): GpuWindowLink<MessagePortMain> {
  return new GpuWindowLink<MessagePortMain>({
    openWindow: () => createGpuWindow(files),
    newChannel: () => new MessageChannelMain(),
    toEngine: (port) => engine()?.sendGpuWindowPort(port) ?? false,
    log,
  });
}
