import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import type { ParentPortLike } from '../../engine/service/utilityServer';

/**
 * The one stand-in for the `electron` module in main's tests: import this module before the
 * code under test. It mocks only what main uses, and its utility process is a real pair of
 * message ports in one process: whatever the test installs as `fakeEngine.child` (normally the
 * engine's own `serveEngine`) answers on the other side, messages structured-cloned as
 * between processes.
 */
type Listener = (...args: unknown[]) => unknown;

export class FakeUtilityProcess extends EventEmitter {
  readonly port: ParentPortLike & EventEmitter;
  exited = false;

  constructor(
    readonly entry: string,
    readonly options: unknown,
  ) {
    super();
    const port = new EventEmitter() as ParentPortLike & EventEmitter;
    port.postMessage = (m) => setImmediate(() => !this.exited && this.emit('message', structuredClone(m)));
    this.port = port;
  }

  /** `transfer`: message ports, which arrive beside the data as Electron's do */
  postMessage(message: unknown, transfer: unknown[] = []): void {
    if (this.exited) throw new Error('the utility process has exited');
    const copy = structuredClone(message);
    setImmediate(() => this.port.emit('message', transfer.length ? { data: copy, ports: transfer } : { data: copy }));
  }

  /** the process ends: by its own hand, a crash, or kill() */
  exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    setImmediate(() => this.emit('exit', code));
  }

  kill(): boolean {
    this.exit(15);
    return true;
  }
}

export const fakeEngine = {
  forks: [] as FakeUtilityProcess[],
  /** what runs "inside" each forked process; set by the test */
  child: (_p: FakeUtilityProcess): void => undefined,
};

export const ipcHandlers = new Map<string, Listener>();
export const ipcListeners = new Map<string, Listener[]>();

class FakeApp extends EventEmitter {
  isPackaged = false;
  getVersion = () => '0.0.0-test';
  addRecentDocument = vi.fn();
  requestSingleInstanceLock = vi.fn(() => true);
}

/**
 * Electron's MessagePortMain over a real worker_threads port: an EventEmitter whose 'message'
 * events carry `{ data, ports }`, quiet until start(), with a 'close' event. `raw` is the Node
 * port underneath, for a test that plays the page's end.
 */
export class FakeMessagePortMain extends EventEmitter {
  constructor(readonly raw: MessagePort) {
    super();
    raw.on('message', (data: unknown) => this.emit('message', { data, ports: [] }));
    raw.on('close', () => this.emit('close'));
  }
  postMessage(message: unknown): void {
    this.raw.postMessage(message);
  }
  start(): void {
    this.raw.start();
  }
  close(): void {
    this.raw.close();
  }
}

class FakeMessageChannelMain {
  static created: FakeMessageChannelMain[] = [];
  readonly port1: FakeMessagePortMain;
  readonly port2: FakeMessagePortMain;
  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port1 = new FakeMessagePortMain(port1);
    this.port2 = new FakeMessagePortMain(port2);
    FakeMessageChannelMain.created.push(this);
  }
}

/** records the options it was created with; loads nothing */
class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = [];
  readonly webContents = Object.assign(fakeWindow('about:blank').webContents, { printToPDF: vi.fn(async () => Buffer.from('%PDF-1.7 printed')) });
  readonly loadFile = vi.fn(async () => undefined);
  readonly loadURL = vi.fn(async () => undefined);
  readonly destroy = vi.fn(() => void (this.destroyed = true));
  destroyed = false;
  readonly isDestroyed = () => this.destroyed;
  constructor(readonly options: unknown) {
    super();
    FakeBrowserWindow.created.push(this);
  }
}

export const electronMock = {
  app: new FakeApp(),
  ipcMain: {
    handle: vi.fn((channel: string, fn: Listener) => void ipcHandlers.set(channel, fn)),
    removeHandler: vi.fn((channel: string) => void ipcHandlers.delete(channel)),
    on: vi.fn((channel: string, fn: Listener) => void ipcListeners.set(channel, [...(ipcListeners.get(channel) ?? []), fn])),
  },
  dialog: {
    showOpenDialog: vi.fn(),
    showSaveDialog: vi.fn(),
    showMessageBox: vi.fn(),
  },
  utilityProcess: {
    fork: vi.fn((entry: string, _args: string[], options: unknown) => {
      const p = new FakeUtilityProcess(entry, options);
      fakeEngine.forks.push(p);
      fakeEngine.child(p);
      return p;
    }),
  },
  shell: {
    showItemInFolder: vi.fn(),
    /** Electron's answer: '' where it opened, else the reason */
    openPath: vi.fn(async (_path: string) => ''),
  },
  BrowserWindow: FakeBrowserWindow,
  nativeTheme: { shouldUseDarkColors: false },
  MessageChannelMain: FakeMessageChannelMain,
  Menu: {
    /** the template, as an array, with the menu's popup() beside it */
    buildFromTemplate: vi.fn((template: unknown[]) => Object.assign([...template], { popup: vi.fn() })),
    setApplicationMenu: vi.fn(),
  },
  protocol: {
    registerSchemesAsPrivileged: vi.fn(),
    /** the handler of each scheme, for a test to call with a Request */
    handlers: new Map<string, (request: Request) => Promise<Response>>(),
    handle: vi.fn((scheme: string, handler: (request: Request) => Promise<Response>) => void electronMock.protocol.handlers.set(scheme, handler)),
  },
  net: {
    /** file:// only, read from the disk, as Electron's net.fetch does */
    fetch: vi.fn(async (url: string) => {
      try {
        const body = await readFile(fileURLToPath(url));
        return new Response(body, {
          status: 200,
          headers: { 'content-type': url.endsWith('.html') ? 'text/html' : url.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' },
        });
      } catch {
        return new Response('', { status: 404 });
      }
    }),
  },
  session: {
    defaultSession: {
      webRequest: { onHeadersReceived: vi.fn() },
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      setDevicePermissionHandler: vi.fn(),
    },
  },
};

vi.mock('electron', () => electronMock);

/** A window and its page as main sees them, for the sender check and the close guard. */
let nextContentsId = 1;
export function fakeWindow(url: string) {
  const webContents = Object.assign(new EventEmitter(), {
    id: nextContentsId++,
    mainFrame: { url, parent: null },
    send: vi.fn(),
  });
  const window = Object.assign(new EventEmitter(), {
    webContents,
    isDestroyed: () => false,
    close: vi.fn(),
  });
  return { window, webContents };
}

/** An IPC event from `contents`, sent by a frame showing `url` (a sub-frame when `parent` is set). */
export function ipcEvent(contents: unknown, url: string, parent: unknown = null) {
  return { sender: contents, senderFrame: { url, parent } };
}

/** what the renderer's `ipcRenderer.invoke(channel, ...args)` would get back */
export async function invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
  const handler = ipcHandlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return handler(event, ...args);
}

/** the renderer's `ipcRenderer.send(channel, ...args)` */
export function send(channel: string, event: unknown, ...args: unknown[]): void {
  for (const l of ipcListeners.get(channel) ?? []) l(event, ...args);
}
