import {
  maxMessageBytes,
  type EventName,
  type EventPayload,
  type RequestInput,
  type RequestName,
  type RequestOutput,
  type TransferLabApi,
} from '../../../shared/contract';
import { formatBytes } from '../util/format';
import type { TransferLabErrorData } from '../../../shared/errors';
import { EventListeners, RpcClient } from '../../../shared/rpcClient';

/**
 * The only module that talks to the engine. In the desktop app the preload exposes the API
 * as `window.transferLab` (IPC); in a browser, the web host serves it over a WebSocket whose
 * token came in the page's URL. Every component works the same in both.
 */
declare global {
  interface Window {
    transferLab?: TransferLabApi & Partial<DirtyQueryTarget>;
  }
}

/** What the desktop app's main process asks before it closes the window (preload's DesktopApi). */
export interface DirtyQueryHandler {
  isDirty(): boolean | Promise<boolean>;
  /** saves, asking for a file name if there is none; false when cancelled or failed */
  save(): Promise<boolean>;
}
interface DirtyQueryTarget {
  onDirtyQuery(handler: DirtyQueryHandler): () => void;
  pathForFile(file: File): string;
}

export class ApiError extends Error implements TransferLabErrorData {
  readonly code: TransferLabErrorData['code'];
  readonly hint: string | undefined;
  constructor(data: TransferLabErrorData) {
    super(data.message);
    this.name = 'ApiError';
    this.code = data.code;
    this.hint = data.hint;
  }
}

export type ConnectionState = 'connecting' | 'open' | 'closed';
type ConnectionListener = (state: ConnectionState) => void;

/** The API over the web host's WebSocket: the one client of the envelope (shared/rpcClient.ts), carried as JSON text. */
class WebSocketApi implements TransferLabApi {
  private ws: WebSocket | null = null;
  private opening: Promise<WebSocket> | null = null;
  private readonly listeners = new EventListeners();
  private readonly connectionListeners = new Set<ConnectionListener>();
  private readonly rpc = new RpcClient({
    post: (envelope) => {
      if (!this.ws) throw new Error('the connection is not open');
      const text = JSON.stringify(envelope);
      // a larger message would close the connection, and every request waiting on it with it
      // UTF-8 takes at least a byte a UTF-16 unit and at most three: encode only when it could matter
      const bytes = text.length > maxMessageBytes / 3 && text.length <= maxMessageBytes ? new TextEncoder().encode(text).length : text.length;
      if (bytes > maxMessageBytes)
        throw new Error(`the ${envelope.name} request is ${formatBytes(bytes)}, more than the ${formatBytes(maxMessageBytes)} its connection carries`);
      this.ws.send(text);
    },
    onEvent: (name, payload) => this.listeners.emit(name, payload),
    onDropped: (why) => console.warn(`engine: dropped ${why}`),
  });
  state: ConnectionState = 'connecting';

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const l of this.connectionListeners) l(state);
  }

  onConnection(listener: ConnectionListener): () => void {
    this.connectionListeners.add(listener);
    listener(this.state);
    return () => this.connectionListeners.delete(listener);
  }

  private open(): Promise<WebSocket> {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return Promise.resolve(this.ws);
    if (this.opening) return this.opening;
    this.opening = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(this.url);
      ws.onopen = () => {
        this.ws = ws;
        this.opening = null;
        this.setState('open');
        resolve(ws);
      };
      ws.onerror = () => {
        this.opening = null;
        this.setState('closed');
        void whyNoConnection(this.token).then(reject);
      };
      ws.onclose = () => {
        this.setState('closed');
        this.ws = null;
        this.rpc.failPending(() => ({
          code: 'INTERNAL',
          message: 'The connection to the engine was lost.',
          hint: 'Reload the page; a training run in progress carries on.',
        }));
      };
      ws.onmessage = (m) => this.receive(String(m.data));
    });
    return this.opening;
  }

  private receive(text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      console.warn('engine: dropped a message that is not JSON');
      return;
    }
    this.rpc.receive(raw);
  }

  async call<N extends RequestName>(name: N, input: RequestInput<N>): Promise<RequestOutput<N>> {
    await this.open();
    const reply = await this.rpc.request(name, input);
    if (reply.ok) return reply.result as RequestOutput<N>;
    throw new ApiError(reply.error);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    void this.open().catch(() => undefined);
    return this.listeners.on(event, listener);
  }
}

/** Electron's preload hands back plain error objects: give them the same class as the web's. */
function wrapPreload(api: TransferLabApi): TransferLabApi {
  return {
    call: async (name, input) => {
      try {
        return await api.call(name, input);
      } catch (e) {
        const d = e as Partial<TransferLabErrorData>;
        throw new ApiError({ code: d.code ?? 'INTERNAL', message: d.message ?? String(e), ...(d.hint ? { hint: d.hint } : {}) });
      }
    },
    on: (event, listener) => api.on(event, listener),
  };
}

function tokenFromPage(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('transfer-lab-token', fromUrl);
    // out of the address bar (and so out of screenshots, history and shared links); kept for this tab
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem('transfer-lab-token');
}

/**
 * A refused WebSocket says nothing of why: ask the server whether this page's token is
 * still its own. A stale token (the server was started with --new-token) is not a dead engine.
 */
async function whyNoConnection(token: string): Promise<ApiError> {
  try {
    const r = await fetch('/api/session', { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
    if (r.status === 401)
      return new ApiError({
        code: 'INTERNAL',
        message: "This page's token is not the server's: it was opened with an old or no token.",
        hint: 'Open the address `transfer-lab serve` printed (with its token); a training run in progress carries on.',
      });
    if (r.ok)
      return new ApiError({ code: 'INTERNAL', message: 'The engine refused the connection.', hint: 'Reload the page; a training run in progress carries on.' });
  } catch {
    // nothing answers at all
  }
  return new ApiError({
    code: 'INTERNAL',
    message: 'Cannot reach the Transfer Lab engine: `transfer-lab serve` is not running.',
    hint: 'Start it again; it keeps its token, so this page then works after a reload.',
  });
}

let socket: WebSocketApi | null = null;
/** the web host's token, read once from the page (the desktop app has none) */
let pageToken = '';

function createApi(): TransferLabApi {
  if (window.transferLab) return wrapPreload(window.transferLab);
  const token = (pageToken = tokenFromPage() ?? '');
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  socket = new WebSocketApi(`${proto}//${window.location.host}/api?token=${encodeURIComponent(token)}`, token);
  return socket;
}

export const api: TransferLabApi = createApi();
export const isDesktop = (): boolean => Boolean(window.transferLab);

/**
 * Where a file or folder dropped on the window is, on the engine's machine: the desktop app
 * knows (its engine is on this machine); a browser gives a page a dropped file's bytes, never
 * its place on disk, so there it is null.
 */
export function droppedPath(file: File): string | null {
  return window.transferLab?.pathForFile?.(file) || null;
}

/** Answers main's "unsaved changes?" before the window closes; nothing to do in a browser tab. */
export function onDirtyQuery(handler: DirtyQueryHandler): () => void {
  return window.transferLab?.onDirtyQuery?.(handler) ?? (() => undefined);
}

/** where a browser downloads a lab report the engine wrote (the web host only; the desktop app opens files itself) */
export function reportDownloadUrl(file: string): string | null {
  if (window.transferLab) return null;
  return `/api/report?file=${encodeURIComponent(file)}&token=${encodeURIComponent(pageToken)}`;
}

/** The engine link's state for the status bar; IPC in the desktop app is always there. */
export function onConnectionChange(listener: ConnectionListener): () => void {
  if (!socket) {
    listener('open');
    return () => undefined;
  }
  return socket.onConnection(listener);
}
