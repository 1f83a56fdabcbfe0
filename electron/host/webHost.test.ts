import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fashionMnistDataset } from '../../test/fixtures/fashionMnist';
import { photoRequestBytes } from '../../shared/contract';
import { newProject } from '../../shared/project';
import { startWebHost, type WebHost } from './webHost';
import { webHostContentSecurityPolicy } from '../../shared/csp';

/** The web host as a browser meets it: static files, a token, an origin, and the contract. */
const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-static-'));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-data-'));
let host: WebHost;

beforeAll(async () => {
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Transfer Lab</title>');
  host = await startWebHost({ port: 0, staticDir, version: 'test', service: { dataDir, configDir: dataDir, backend: 'wasm' } });
});
afterAll(() => host.close());

function connect(opts: { token?: string; origin?: string | null } = {}): Promise<WebSocket> {
  const origin = opts.origin === undefined ? `http://127.0.0.1:${host.port}` : opts.origin;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${opts.token ?? host.token}`, origin ? { headers: { origin } } : {});
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

let nextId = 1;
function call(ws: WebSocket, name: string, input: unknown): Promise<{ ok: boolean; result?: any; error?: any }> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'response' && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg.reply);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'request', id, name, input }));
  });
}

describe('web host', () => {
  it('prints a loopback address with its token', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=${host.token}$`));
    expect(host.token.length).toBeGreaterThanOrEqual(32);
  });

  it('serves the app with a content security policy, and nothing outside its folder', async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(res.status).toBe(200);
    // the app's own policy (shared/csp.ts), its WebSocket to the engine allowed
    expect(res.headers.get('content-security-policy')).toBe(webHostContentSecurityPolicy);
    expect(webHostContentSecurityPolicy).toMatch(/default-src 'none'.*connect-src 'self' ws: wss:/);
    expect(await res.text()).toContain('Transfer Lab');
    const escape = await fetch(`http://127.0.0.1:${host.port}/..%2f..%2f..%2f..%2fetc%2fhosts.txt`);
    expect([403, 404]).toContain(escape.status);
  });

  it('refuses a connection without the right token, or from another origin', async () => {
    await expect(connect({ token: 'wrong' })).rejects.toThrow(/401/);
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(connect({ origin: null })).rejects.toThrow(/403/);
  });

  it('answers requests through the contract and refuses bad input with a typed error', async () => {
    const ws = await connect();
    const info = await call(ws, 'app.info', {});
    expect(info.ok).toBe(true);
    expect(info.result).toMatchObject({ host: 'web', version: 'test' });
    const bad = await call(ws, 'dataset.scan', { path: 42 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
    const unknown = await call(ws, 'rm.rf', {});
    expect(unknown.error.message).toMatch(/Unknown request/);
    const dialog = await call(ws, 'dialog.pickFolder', {});
    expect(dialog).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
    ws.close();
  });

  it('saves a project past 16 MiB (a semester of runs, each with its test predictions): the connection carries it', async () => {
    const ws = await connect();
    const file = path.join(dataDir, 'big', 'semester.tlab');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const project = { ...newProject('Semester'), notes: 'n'.repeat(20 * 2 ** 20) };
    const saved = await Promise.race([
      call(ws, 'project.save', { file, project }),
      new Promise<{ ok: false; closed: number }>((resolve) => ws.once('close', (code) => resolve({ ok: false, closed: code }))),
    ]);
    expect(saved).toMatchObject({ ok: true });
    expect(fs.statSync(file).size).toBeGreaterThan(20 * 2 ** 20);
    ws.close();
  });

  it('carries the largest photos request the contract allows, and refuses a larger one by the contract, not by closing', async () => {
    const ws = await connect();
    const photos = (bytes: number) => [{ name: 'big.jpg', base64: Buffer.alloc(bytes, 7).toString('base64') }];
    const gone = path.join(dataDir, 'no-run');
    const largest = await call(ws, 'run.classify', { runDir: gone, photos: photos(photoRequestBytes) });
    expect(largest).toMatchObject({ ok: false, error: { code: 'RUN_NOT_FOUND' } });
    const larger = await call(ws, 'run.classify', { runDir: gone, photos: photos(photoRequestBytes + 3) });
    expect(larger).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
    expect((await call(ws, 'app.info', {})).ok).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'workspace', 'photos'))).toBe(false);
    ws.close();
  });

  it('scans a dataset with progress events, and serves its thumbnails but no other file', async () => {
    const ds = await fashionMnistDataset({ perClass: 20 });
    const ws = await connect();
    const progress: unknown[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.type === 'event' && m.name === 'scan.progress') progress.push(m.payload);
    });
    const scan = await call(ws, 'dataset.scan', { path: ds });
    expect(scan.ok).toBe(true);
    expect(scan.result.classes).toHaveLength(10);
    expect(progress.length).toBeGreaterThan(0);
    const thumb = await call(ws, 'dataset.thumbnail', { root: ds, relPath: scan.result.images[0].relPath, size: 64 });
    expect(thumb.result.dataUrl).toMatch(/^data:image\/jpeg;base64,\/9j\//);
    const escape = await call(ws, 'dataset.thumbnail', { root: ds, relPath: '../../../../etc/passwd', size: 64 });
    expect(escape).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
    const listing = await call(ws, 'fs.list', { path: ds });
    expect(listing.result.entries.filter((e: { kind: string }) => e.kind === 'dir')).toHaveLength(10);
    ws.close();
  });
});
