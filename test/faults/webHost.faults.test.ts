import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { maxMessageBytes } from '../../shared/contract';
import { reportGeneratorMeta } from '../../shared/ownFiles';
import { cliPath } from './cliHarness';

/**
 * The web host as `transfer-lab serve` runs it, in a child process, played as an attacker and a
 * careless client would: malformed addresses, other methods, a rebinding Host header, an
 * oversized frame, invalid UTF-8, garbage, no token and a stale one. After each, the host is
 * still there and the API still answers. Before the fixes, `GET /%` alone ended the process.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-webhost-faults-'));
const env = { ...process.env, TRANSFER_LAB_CACHE: path.join(work, 'cache'), XDG_CONFIG_HOME: path.join(work, 'config') };
let server: ChildProcess;
let port = 0;
let token = '';
let stderr = '';

function serve(extra: string[] = []): Promise<{ child: ChildProcess; port: number; token: string }> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--backend', 'cpu', ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), token: m[2]! });
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

/** one raw HTTP request, as any client (or an <img> on another site) can send it */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    let text = '';
    s.on('data', (d) => (text += d.toString()));
    s.on('end', () => resolve(text));
    s.on('close', () => resolve(text));
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy());
  });
}
const get = (p: string, host = `127.0.0.1:${port}`, method = 'GET') => raw(`${method} ${p} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
const status = (response: string) => Number(/^HTTP\/1\.1 (\d+)/.exec(response)?.[1] ?? 0);

function socket(t = token): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${encodeURIComponent(t)}`, { origin: `http://127.0.0.1:${port}` });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
function reply(ws: WebSocket, send: () => void): Promise<any> {
  return new Promise((resolve) => {
    ws.once('message', (d) => resolve(JSON.parse(String(d))));
    send();
  });
}
async function stillServing(): Promise<void> {
  expect(server.exitCode).toBeNull();
  expect(status(await get('/'))).toBe(200);
  const ws = await socket();
  const r = await reply(ws, () => ws.send(JSON.stringify({ type: 'request', id: 1, name: 'app.info', input: {} })));
  expect(r).toMatchObject({ type: 'response', id: 1, reply: { ok: true } });
  ws.close();
}

beforeAll(async () => {
  ({ child: server, port, token } = await serve());
}, 120_000);
afterAll(() => {
  server?.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the web host survives any input', () => {
  it('answers malformed addresses with a status, never by dying', async () => {
    for (const p of ['/%', '/a%00.png', '/%E0%A4%A', '/..%2f..%2fetc%2fpasswd.txt', '/assets/%ZZ.js']) {
      const s = status(await get(p));
      expect([400, 403, 404]).toContain(s);
    }
    await stillServing();
  });

  it('answers other methods with 405, and HEAD with the headers only', async () => {
    expect(status(await get('/', `127.0.0.1:${port}`, 'POST'))).toBe(405);
    const head = await get('/', `127.0.0.1:${port}`, 'HEAD');
    expect(status(head)).toBe(200);
    expect(head).not.toContain('<html');
    await stillServing();
  });

  it('refuses a Host header that is not loopback, an IP address or an allowed name (DNS rebinding)', async () => {
    const r = await get('/', 'evil.example');
    expect(status(r)).toBe(403);
    expect(r).toMatch(/--allow-host/);
    expect(status(await get('/', `localhost:${port}`))).toBe(200);
    expect(status(await get('/', `10.0.0.7:${port}`))).toBe(200);
  });

  it('closes a socket that sends more than the largest message (256 MiB) or invalid UTF-8, and goes on serving the others', async () => {
    const big = await socket();
    const closedBig = new Promise<number>((r) => big.once('close', (code) => r(code)));
    big.on('error', () => undefined);
    big.send('x'.repeat(maxMessageBytes + 1));
    expect(await closedBig).toBe(1009);

    const bad = await socket();
    const closedBad = new Promise<number>((r) => bad.once('close', (code) => r(code)));
    bad.on('error', () => undefined);
    // a text frame whose bytes are not UTF-8 (ws checks only what it receives)
    bad.send(Buffer.from([0xc3, 0x28]), { binary: false });
    expect(await closedBad).toBe(1007);
    await stillServing();
  });

  it('answers garbage and requests without an id with an error, and keeps the socket', async () => {
    const ws = await socket();
    expect(await reply(ws, () => ws.send('{not json'))).toMatchObject({ type: 'response', id: null, reply: { ok: false, error: { code: 'BAD_ARGUMENT' } } });
    expect(await reply(ws, () => ws.send(JSON.stringify({ type: 'request', name: 'app.info' })))).toMatchObject({
      type: 'response',
      id: null,
      reply: { ok: false },
    });
    // the envelope of before (method, params) is not the envelope
    expect(await reply(ws, () => ws.send(JSON.stringify({ id: 6, method: 'app.info', params: {} })))).toMatchObject({
      type: 'response',
      id: null,
      reply: { ok: false, error: { code: 'BAD_ARGUMENT' } },
    });
    expect(await reply(ws, () => ws.send(JSON.stringify({ type: 'request', id: 7, name: 'no.such', input: {} })))).toMatchObject({
      type: 'response',
      id: 7,
      reply: { ok: false, error: { code: 'BAD_ARGUMENT' } },
    });
    expect(await reply(ws, () => ws.send(JSON.stringify({ type: 'request', id: 8, name: 'app.info', input: {} })))).toMatchObject({
      type: 'response',
      id: 8,
      reply: { ok: true },
    });
    ws.close();
  });

  it('refuses a socket with no token or a stale one, and says which through /api/session', async () => {
    await expect(socket('')).rejects.toThrow(/401/);
    await expect(socket('stale-token-from-an-earlier-start-xxxxxxxx')).rejects.toThrow(/401/);
    const session = (t: string) => fetch(`http://127.0.0.1:${port}/api/session`, { headers: { authorization: `Bearer ${t}` } });
    expect((await session('stale')).status).toBe(401);
    expect((await session(token)).status).toBe(200);
    await stillServing();
  });

  it('hands a lab report it wrote to a browser with the token, and nothing else', async () => {
    const report = path.join(work, 'lab-report.html');
    fs.writeFileSync(report, `<!doctype html><html><head>${reportGeneratorMeta}<title>Lab — Transfer Lab</title></head><body>answers</body></html>`);
    const notOurs = path.join(work, 'thesis.html');
    fs.writeFileSync(notOurs, '<html><body>my thesis</body></html>');
    const url = (file: string, t = token) => `http://127.0.0.1:${port}/api/report?file=${encodeURIComponent(file)}&token=${encodeURIComponent(t)}`;
    const ok = await fetch(url(report));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-disposition')).toBe('attachment; filename="lab-report.html"');
    expect(await ok.text()).toContain('answers');
    expect((await fetch(url(report, 'stale'))).status).toBe(401);
    expect((await fetch(url(notOurs))).status).toBe(403);
    expect((await fetch(url('/etc/passwd'))).status).toBe(400);
    expect((await fetch(url(path.join(work, 'gone.pdf')))).status).toBe(404);
    await stillServing();
  });

  it('keeps its token between starts, readable by the user only, until --new-token', async () => {
    const file = path.join(work, 'config', 'transfer-lab', 'web-token');
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(token);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    ({ child: server, port } = await serve());
    const again = /token=(\S+)/.exec(`?token=${fs.readFileSync(file, 'utf8').trim()}`)![1];
    expect(again).toBe(token);
    await stillServing();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    let renewed: string;
    ({ child: server, port, token: renewed } = await serve(['--new-token']));
    expect(renewed).not.toBe(token);
    await expect(socket(token)).rejects.toThrow(/401/);
    token = renewed;
    await stillServing();
  }, 120_000);
});
