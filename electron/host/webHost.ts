import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { maxMessageBytes, type EventName, type EventPayload } from '../../shared/contract';
import { answerRequest } from '../../shared/rpcServer';
import type { EventEnvelope, ResponseEnvelope } from '../../shared/envelope';
import { createLabService, type LabService, type LabServiceOptions } from '../engine/service/labService';
import { answerPlain, hostAllowed, serveReport, serveStatic } from './staticFiles';

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
  /** names besides loopback and IP addresses that the Host header may carry (`serve --allow-host`) */
  allowHosts?: readonly string[];
  service?: Partial<LabServiceOptions>;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  service: LabService;
  close(): Promise<void>;
}

export async function startWebHost(o: WebHostOptions): Promise<WebHost> {
  const token = o.token ?? crypto.randomBytes(24).toString('base64url');
  const clients = new Set<WebSocket>();
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    const msg = JSON.stringify({ type: 'event', name: event, payload } satisfies EventEnvelope);
    for (const c of clients) if (c.readyState === c.OPEN) c.send(msg);
  };
  const service = createLabService({ host: 'web', version: o.version, emit, ...o.service });
  const allowHosts = o.allowHosts ?? [];
  const tokenMatches = (given: string) => given.length === token.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(token));
  const server = http.createServer((req, res) => {
    try {
      if (!hostAllowed(req.headers.host, allowHosts)) {
        answerPlain(
          res,
          403,
          `Forbidden: this server does not answer to the name "${String(req.headers.host ?? '')}". Open it by its address, or start it with --allow-host <name>.`,
        );
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      // is this page's token still the server's? (a stale token is not a dead engine)
      if (url.pathname === '/api/session') {
        const valid = tokenMatches(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
        res.writeHead(valid ? 200 : 401, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(valid ? { ok: true, version: o.version } : { ok: false }));
        return;
      }
      // the lab report the engine wrote, for a browser on another machine (a Jetson through SSH)
      if (url.pathname === '/api/report') {
        if (!tokenMatches(url.searchParams.get('token') ?? '')) return answerPlain(res, 401, 'Unauthorized: open the address `transfer-lab serve` printed.');
        serveReport(url.searchParams.get('file') ?? '', req, res);
        return;
      }
      serveStatic(o.staticDir, req, res);
    } catch {
      answerPlain(res, 400, 'Bad request.');
    }
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  wss.on('error', () => undefined);

  server.on('upgrade', (req, socket, head) => {
    // a socket that breaks before or during the handshake ends here, not in an uncaught error
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!hostAllowed(req.headers.host, allowHosts)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    const tokenOk = tokenMatches(url.searchParams.get('token') ?? '');
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
      // an oversized message (closed with 1009), invalid UTF-8 (1007), a reset: that client goes, the host stays
      ws.on('error', () => clients.delete(ws));
      const respond = (r: ResponseEnvelope) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(r));
      };
      const refuse = (message: string) => respond({ type: 'response', id: null, reply: { ok: false, error: { code: 'BAD_ARGUMENT', message } } });
      ws.on('message', async (data, isBinary) => {
        if (isBinary) return refuse('Binary messages are not understood: send JSON text.');
        let raw: unknown;
        try {
          raw = JSON.parse(String(data));
        } catch {
          return refuse('The message is not JSON.');
        }
        respond(await answerRequest(service.handlers, raw));
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
