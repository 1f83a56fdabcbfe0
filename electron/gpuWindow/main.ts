import { gpuPortChannel } from '../../shared/gpuWindow';
import { serveGpuPage, type GpuLike, type PagePort } from './gpuPage';

/**
 * The GPU window's entry. Electron's main hands the window one end of a MessageChannel; the
 * window's preload (sandboxed, isolated) passes it on to this world with a window message, as
 * Electron documents for context-isolated pages. Only a port that this window posted to itself
 * is taken; a new one (the engine restarted) replaces the old.
 */
interface PageWindow {
  addEventListener(type: 'message', listener: (e: { source: unknown; data: unknown; ports: readonly PagePort[] }) => void): void;
  navigator: { gpu?: GpuLike };
}

const page = globalThis as unknown as PageWindow;
let current: PagePort | null = null;

page.addEventListener('message', (e) => {
  if (e.source !== page || e.data !== gpuPortChannel || !e.ports[0]) return;
  current?.close();
  current = e.ports[0];
  serveGpuPage(current, page.navigator.gpu);
});
