import { electronMock, fakeEngine, type FakeMessagePortMain, type FakeUtilityProcess } from './test/electronMock';
import { EventEmitter } from 'node:events';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { gpuPortChannel } from '../../shared/gpuWindow';
import { GpuWindowClient } from '../engine/extract/gpuWindowClient';
import { clearGpuWindowPort, hasGpuWindow, openGpuWindowChannel, setGpuWindowPort, type AppPortLike } from '../engine/extract/gpuWindowLink';
import { serveEngine } from '../engine/service/utilityServer';
import { initBackend } from '../engine/tf/backend';
import { serveGpuPage, type GpuLike, type PagePort } from '../gpuWindow/gpuPage';
import { appFiles } from './appFiles';
import { EngineProcess } from './engine/engineProcess';
import { createGpuWindow, gpuSwitches, gpuWindowWanted, linkGpuWindow } from './gpuWindow';
import { GpuWindowLink, type GpuWindowLike, type PortMainLike } from './gpuWindowLink';

/**
 * Main's part of the GPU path: the hidden window, and connecting it to the engine. With the
 * electron mock, main's real EngineProcess talks to the engine's real message handler, and the
 * window's "page" is the GPU page's real code on the other end of the channel main made.
 */
const files = appFiles('/app/out/main');

describe('the hidden GPU window', () => {
  it('is sandboxed, isolated, without Node, hidden and unthrottled, and loads app://transfer-lab/gpu.html with its own preload', () => {
    const win = createGpuWindow(files) as unknown as { options: { show: boolean; webPreferences: Record<string, unknown> }; loadURL: ReturnType<typeof vi.fn> };
    expect(win.options.show).toBe(false);
    expect(win.options.webPreferences).toMatchObject({
      preload: '/app/out/preload/gpuWindow.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      backgroundThrottling: false,
    });
    expect(win.loadURL).toHaveBeenCalledWith('app://transfer-lab/gpu.html');
    expect(appFiles('/app/out/main', 'http://localhost:5173/').gpuPageUrl.href).toBe('http://localhost:5173/gpu.html');
  });

  it("turns on Chromium's WebGPU switch on Linux only, and can be turned off", () => {
    expect(gpuSwitches('linux').map((s) => s[0])).toContain('enable-unsafe-webgpu');
    expect(gpuSwitches('darwin')).toEqual([]);
    expect(gpuWindowWanted({})).toBe(true);
    expect(gpuWindowWanted({ TRANSFER_LAB_GPU_WINDOW: '0' })).toBe(false);
  });
});

/** a window as the link sees it: its page loads when the test says so, or its renderer dies */
function fakeGpuWindow() {
  const webContents = Object.assign(new EventEmitter(), { postMessage: vi.fn() });
  const win = { webContents, destroyed: false, isDestroyed: () => win.destroyed, destroy: vi.fn(() => void (win.destroyed = true)) };
  return win;
}

describe("main's link between the GPU window and the engine", () => {
  const port = () => ({ close: vi.fn() });
  const setup = (engineUp: () => boolean) => {
    const windows: ReturnType<typeof fakeGpuWindow>[] = [];
    const toEngine = vi.fn(() => engineUp());
    const log = vi.fn();
    let t = 0;
    const link = new GpuWindowLink<PortMainLike>({
      openWindow: () => {
        const w = fakeGpuWindow();
        windows.push(w);
        return w as unknown as GpuWindowLike;
      },
      newChannel: () => ({ port1: port(), port2: port() }),
      toEngine,
      log,
      now: () => (t += 1000),
    });
    return { link, windows, toEngine, log };
  };

  it('connects once the page has loaded and the engine runs, and again for every new engine', () => {
    let up = false;
    const { link, windows, toEngine } = setup(() => up);
    link.open();
    link.engineStarted();
    expect(toEngine).not.toHaveBeenCalled();
    // the page loads before the engine is there: the ports are dropped, nothing is posted
    windows[0]!.webContents.emit('did-finish-load');
    expect(windows[0]!.webContents.postMessage).not.toHaveBeenCalled();
    up = true;
    link.engineStarted();
    expect(windows[0]!.webContents.postMessage).toHaveBeenCalledTimes(1);
    expect(windows[0]!.webContents.postMessage).toHaveBeenCalledWith(gpuPortChannel, null, [expect.anything()]);
    link.engineStarted();
    expect(windows[0]!.webContents.postMessage).toHaveBeenCalledTimes(2);
  });

  it('opens a new window when the renderer dies, and stops after three deaths in ten minutes', () => {
    const { link, windows, log } = setup(() => true);
    link.open();
    for (let i = 0; i < 3; i++) {
      windows[i]!.webContents.emit('did-finish-load');
      windows[i]!.webContents.emit('render-process-gone', {}, { reason: 'crashed' });
      expect(windows[i]!.destroy).toHaveBeenCalled();
    }
    expect(windows).toHaveLength(3);
    expect(link.hasWindow).toBe(false);
    expect(log).toHaveBeenLastCalledWith(expect.stringMatching(/stopped \(crashed\) 3 times in ten minutes: the engine keeps to the CPU/));
  });

  it('closes the window with the app, and opens none after', () => {
    const { link, windows } = setup(() => true);
    link.open();
    link.close();
    expect(windows[0]!.destroy).toHaveBeenCalled();
    link.open();
    expect(windows).toHaveLength(1);
  });
});

describe('main, the engine and the GPU window together', () => {
  const hardware: GpuLike = {
    requestAdapter: async () => ({ info: { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200' }, features: [], limits: {} }),
  };
  let engine: EngineProcess | undefined;

  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(async () => {
    await engine?.stop();
    clearGpuWindowPort();
  });

  it("hands each end of one channel to the window and the engine; the engine's requests reach the page and back without main", async () => {
    fakeEngine.forks.length = 0;
    // the ports the engines were handed: a restarted engine's client must wait for its own
    let enginePorts = 0;
    fakeEngine.child = (p: FakeUtilityProcess) =>
      void serveEngine(
        p.port,
        () => ({ handlers: {}, close: async () => undefined }),
        (code) => p.exit(code),
        (gpuPort) => {
          enginePorts++;
          setGpuWindowPort(gpuPort as AppPortLike);
        },
      );
    const gpu = linkGpuWindow(files, () => engine ?? null, vi.fn());
    engine = new EngineProcess({ entry: '/app/out/main/engine.js', env: {}, onEvent: () => undefined, onStarted: () => gpu.engineStarted() });
    engine.start();
    gpu.open();
    const win = electronMock.BrowserWindow.created.at(-1)!;
    // the page's end: the GPU page's own code, as the preload hands it the port
    const served: FakeMessagePortMain[] = [];
    Object.assign(win.webContents, {
      postMessage: (channel: string, _m: unknown, [p]: FakeMessagePortMain[]) => {
        expect(channel).toBe(gpuPortChannel);
        served.push(p!);
        serveGpuPage(p!.raw as unknown as PagePort, hardware, { backend: 'wasm' });
      },
    });
    win.webContents.emit('did-finish-load');
    await vi.waitFor(() => expect(hasGpuWindow()).toBe(true));
    const client = new GpuWindowClient(openGpuWindowChannel()!);
    expect((await client.adapter()).adapter).toMatchObject({ device: 'NVIDIA H200', isFallbackAdapter: false });
    await client.close();

    // the engine dies and comes back: the new one gets a port of its own, to the same window
    fakeEngine.forks[0]!.exit(9);
    await vi.waitFor(() => expect(served).toHaveLength(2), { timeout: 3000 });
    // the dead engine's port may still be the one set until the new engine's arrives (seen on a busy machine)
    await vi.waitFor(() => expect(enginePorts).toBe(2), { timeout: 3000 });
    await vi.waitFor(() => expect(hasGpuWindow()).toBe(true));
    const again = new GpuWindowClient(openGpuWindowChannel()!);
    expect((await again.adapter()).adapter?.device).toBe('NVIDIA H200');
    await again.close();
    gpu.close();
    expect(win.destroy).toHaveBeenCalled();
  });
});
