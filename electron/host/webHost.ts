import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, EventPayload } from '../../shared/contract';
import { webHostContentSecurityPolicy } from '../../shared/csp';
import { dispatch } from '../../shared/rpc';
import { createLabService, type LabService, type LabServiceOptions } from '../engine/service/labService';

/**
 * The app over HTTP + WebSocket on one port: the built renderer as static files, and the
 * contract at /api. For a headless Jetson used from a laptop's browser through an SSH
 * tunnel, and for end-to-end tests. A per-launch token guards the API; a WebSocket from
 * another origin is refused, so a web page the user visits cannot drive the engine.
 */
export interface WebHostOptions {
  port?: number;
  host?: string;
  /** the built renderer (index.html and assets) */
  staticDir: string;
  token?: string;
  version: string;
  service?: Partial<LabServiceOptions>;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  service: LabService;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const csp = webHostContentSecurityPolicy;

function serveStatic(staticDir: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let rel = decodeURIComponent(url.pathname);
  if (rel === '/' || !path.extname(rel)) rel = '/index.html';
  const file = path.resolve(staticDir, `.${rel}`);
  if (!file.startsWith(path.resolve(staticDir) + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  fs.readFile(file, (err, body) => {
    if (err) {
      if (rel === '/index.html') {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(`The app is not built yet (no ${file}). Run: npm run build:web`);
      } else res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'cache-control': rel === '/index.html' ? 'no-store' : 'max-age=3600',
    });
    res.end(body);
  });
}

export async function startWebHost(o: WebHostOptions): Promise<WebHost> {
  const token = o.token ?? crypto.randomBytes(24).toString('base64url');
  const clients = new Set<WebSocket>();
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    const msg = JSON.stringify({ event, payload });
    for (const c of clients) if (c.readyState === c.OPEN) c.send(msg);
  };
  const service = createLabService({ host: 'web', version: o.version, emit, ...o.service });
  const server = http.createServer((req, res) => serveStatic(o.staticDir, req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const given = url.searchParams.get('token') ?? '';
    const tokenOk = given.length === token.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(token));
    // same origin: the page this server served, under whatever name the browser reached it by
    // (an SSH tunnel's localhost:8080 included); the token keeps a rebinding page out
    const originOk = typeof req.headers.origin === 'string' && req.headers.origin === `http://${req.headers.host ?? ''}`;
    if (url.pathname !== '/api' || !tokenOk || !originOk) {
      socket.write(`HTTP/1.1 ${tokenOk ? 403 : 401} ${tokenOk ? 'Forbidden' : 'Unauthorized'}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('message', async (data) => {
        let msg: { id?: unknown; method?: unknown; params?: unknown };
        try {
          msg = JSON.parse(String(data)) as typeof msg;
        } catch {
          return;
        }
        if (typeof msg.id !== 'number') return;
        const r = await dispatch(service.handlers, msg.method, msg.params);
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, ...r }));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = (o.host ?? '127.0.0.1') === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : (o.host ?? '127.0.0.1');
  const origin = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    service,
    close: async () => {
      for (const c of clients) c.terminate();
      await service.close();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
