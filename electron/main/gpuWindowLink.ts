import { gpuPortChannel } from '../../shared/gpuWindow';

/**
 * Main's part in the desktop app's GPU path: it keeps a hidden window of the app (the GPU
 * window, renderer/gpu.html) and connects it to the engine with a MessageChannel — one end to
 * the window, one to the engine's utility process — then stays out of the way: batches and
 * features go between the two directly, never through main.
 *
 * It connects when both ends are there (the window has loaded, the engine has started) and
 * again whenever either is new: the engine restarted after a crash, or the window was
 * replaced after its renderer died. A window whose renderer dies takes its port with it: the
 * engine sees the port close and falls back to the CPU; three deaths in ten minutes and the
 * app stops reopening it (the engine keeps to the CPU).
 *
 * Electron is behind the few functions in `GpuWindowDeps`, so this is tested with fakes.
 */
export interface PortMainLike {
  close(): void;
}

export interface GpuWindowLike<P extends PortMainLike = PortMainLike> {
  isDestroyed(): boolean;
  destroy(): void;
  webContents: {
    postMessage(channel: string, message: unknown, transfer: P[]): void;
    once(event: 'did-finish-load', listener: () => void): unknown;
    on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string }) => void): unknown;
  };
}

export interface GpuWindowDeps<P extends PortMainLike = PortMainLike> {
  /** a new hidden GPU window, loading its page */
  openWindow(): GpuWindowLike<P>;
  newChannel(): { port1: P; port2: P };
  /** hands the engine its end; false when there is no engine running to take it */
  toEngine(port: P): boolean;
  log(message: string): void;
  now?: () => number;
}

const deathWindowMs = 10 * 60_000;
const maxDeaths = 3;

export class GpuWindowLink<P extends PortMainLike = PortMainLike> {
  private window: GpuWindowLike<P> | null = null;
  private loaded = false;
  private deaths: number[] = [];
  private closed = false;

  constructor(private readonly d: GpuWindowDeps<P>) {}

  /** opens the window; it connects itself to the engine once its page has loaded */
  open(): void {
    if (this.closed || this.window) return;
    const win = this.d.openWindow();
    this.window = win;
    this.loaded = false;
    win.webContents.once('did-finish-load', () => {
      if (this.window !== win) return;
      this.loaded = true;
      this.connect();
    });
    win.webContents.on('render-process-gone', (_e, details) => this.gone(win, details.reason));
  }

  /** the engine (re)started: it needs a port of its own */
  engineStarted(): void {
    this.connect();
  }

  /** the app is closing: the hidden window must not keep it alive */
  close(): void {
    this.closed = true;
    const win = this.window;
    this.window = null;
    if (win && !win.isDestroyed()) win.destroy();
  }

  get hasWindow(): boolean {
    return this.window !== null;
  }

  private connect(): void {
    const win = this.window;
    if (!win || !this.loaded || win.isDestroyed()) return;
    const { port1, port2 } = this.d.newChannel();
    if (!this.d.toEngine(port2)) {
      // no engine yet: engineStarted() connects when there is one
      port1.close();
      port2.close();
      return;
    }
    win.webContents.postMessage(gpuPortChannel, null, [port1]);
  }

  private gone(win: GpuWindowLike<P>, reason: string): void {
    if (this.window !== win) return;
    this.window = null;
    if (!win.isDestroyed()) win.destroy();
    const now = (this.d.now ?? Date.now)();
    this.deaths = [...this.deaths.filter((t) => now - t < deathWindowMs), now];
    if (this.deaths.length >= maxDeaths) {
      this.d.log(`the GPU window stopped (${reason}) ${maxDeaths} times in ten minutes: the engine keeps to the CPU until the app restarts`);
      return;
    }
    this.d.log(`the GPU window stopped (${reason}); opening a new one (the engine uses the CPU meanwhile)`);
    this.open();
  }
}
