import { ipcRenderer } from 'electron';
import { gpuPortChannel } from '../../shared/gpuWindow';

/**
 * The GPU window's preload, all of it: main sends the window its end of the engine's
 * MessageChannel; a sandboxed, context-isolated page cannot receive it from main itself, so
 * this hands it on to the page's own world with a window message (Electron's documented way
 * for isolated pages). The page gets no API and no ipcRenderer.
 */
interface WindowLike {
  location: { origin: string };
  postMessage(message: unknown, targetOrigin: string, transfer: unknown[]): void;
}

ipcRenderer.on(gpuPortChannel, (event) => {
  const w = globalThis as unknown as WindowLike;
  // the page's own origin (app://transfer-lab), so no other page could take the port
  const origin = w.location.origin;
  w.postMessage(gpuPortChannel, origin && origin !== 'null' ? origin : '*', [...event.ports]);
});
