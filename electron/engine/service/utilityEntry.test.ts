import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FromEngine, ToEngine } from '../../../shared/utilityWire';

/**
 * The real engine entry, in a process of its own as in the desktop app, under plain Node:
 * testing/parentPortShim.mjs stands in for Electron's process.parentPort.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const shim = path.join(here, 'testing', 'parentPortShim.mjs');
const entry = path.join(here, 'utilityEntry.ts');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-engine-entry-'));

function start(withPort = true): { child: ChildProcess; messages: FromEngine[]; exited: Promise<number | null> } {
  const env = { ...process.env, TRANSFER_LAB_CACHE: home, XDG_CONFIG_HOME: home, TRANSFER_LAB_VERSION: '4.5.6', TRANSFER_LAB_BACKEND: 'cpu' };
  const child = withPort
    ? fork(shim, [entry], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    : fork(entry, [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const messages: FromEngine[] = [];
  child.on('message', (m) => messages.push(m as FromEngine));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, messages, exited };
}

const reply = async (messages: FromEngine[], id: number) => {
  for (let i = 0; i < 600; i++) {
    const r = messages.find((m) => m.type === 'response' && m.id === id);
    if (r && r.type === 'response') return r.reply;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`no reply to request ${id}`);
};

describe('the engine’s utility-process entry', () => {
  let engine: ReturnType<typeof start>;
  beforeAll(() => {
    engine = start();
  });
  afterAll(() => {
    engine.child.kill();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('answers requests sent before it finished loading, as Electron queues them', async () => {
    const send = (m: ToEngine) => engine.child.send(m);
    send({ type: 'request', id: 1, name: 'app.info', input: {} });
    send({ type: 'request', id: 2, name: 'dataset.scan', input: { path: path.join(home, 'no-such-folder') } });
    await expect(reply(engine.messages, 1)).resolves.toMatchObject({
      ok: true,
      result: { host: 'electron', version: '4.5.6', backend: '@tensorflow/tfjs-backend-cpu' },
    });
    await expect(reply(engine.messages, 2)).resolves.toMatchObject({ ok: false, error: { code: 'DATASET_NOT_FOUND' } });
  });

  it('exits cleanly when main asks it to', async () => {
    engine.child.send({ type: 'shutdown' } satisfies ToEngine);
    await expect(engine.exited).resolves.toBe(0);
  });

  it('refuses to run outside the app', async () => {
    const lone = start(false);
    let stderr = '';
    lone.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await expect(lone.exited).resolves.toBe(2);
    expect(stderr).toMatch(/the app starts it/);
  });
});
