import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { threadpoolSize, withThreadpool } from '../../bin/threadpool.cjs';

/**
 * Image decoding (sharp) runs on libuv's thread pool: one per process, shared by every
 * extraction worker, sized once at its first use (4 unless told). The entries that run the
 * engine size it to the cores before that; here each is started as a user starts it, "on" a
 * 16-core machine (TRANSFER_LAB_FAULT_CORES), and poolProbe.mjs counts the threads the pool
 * really has.
 */
const root = path.resolve(__dirname, '..', '..');
const probe = path.join(__dirname, 'poolProbe.mjs');

function poolThreads(cmd: string, args: string[], env: Record<string, string>): number {
  const base = { ...process.env };
  delete base.UV_THREADPOOL_SIZE;
  const r = spawnSync(cmd, args, { cwd: root, env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { threads: number }).threads;
}

describe("the decoders' thread pool", () => {
  it('has a thread a core, never fewer than Node’s 4 nor more than libuv allows', () => {
    expect(threadpoolSize(2)).toBe(4);
    expect(threadpoolSize(16)).toBe(16);
    expect(threadpoolSize(5000)).toBe(1024);
    expect(withThreadpool({ TRANSFER_LAB_FAULT_CORES: '12' }).UV_THREADPOOL_SIZE).toBe('12');
    // a size the user chose is theirs
    expect(withThreadpool({ TRANSFER_LAB_FAULT_CORES: '12', UV_THREADPOOL_SIZE: '3' }).UV_THREADPOOL_SIZE).toBe('3');
  });

  it('is sized to the cores in a process started by bin/run-ts.cjs (the CLI, the bench, the web host)', () => {
    // as Node leaves it, for comparison: the probe itself tells a sized pool from one that is not
    expect(poolThreads(process.execPath, [probe], { TRANSFER_LAB_FAULT_CORES: '16' })).toBe(4);
    expect(poolThreads(process.execPath, ['bin/run-ts.cjs', probe], { TRANSFER_LAB_FAULT_CORES: '16' })).toBe(16);
    expect(poolThreads(process.execPath, ['bin/run-ts.cjs', probe], { TRANSFER_LAB_FAULT_CORES: '16', UV_THREADPOOL_SIZE: '6' })).toBe(6);
  });

  it('is sized to the cores by the installed app’s `transfer-lab` command', () => {
    // the installed layout: <app>/transfer-lab (Electron, run as Node) and <app>/resources/{bin,app.asar/out}
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-installed-'));
    try {
      fs.mkdirSync(path.join(app, 'resources', 'bin'), { recursive: true });
      fs.mkdirSync(path.join(app, 'resources', 'app.asar', 'out', 'main'), { recursive: true });
      fs.copyFileSync(path.join(root, 'build', 'bin', 'transfer-lab'), path.join(app, 'resources', 'bin', 'transfer-lab'));
      fs.chmodSync(path.join(app, 'resources', 'bin', 'transfer-lab'), 0o755);
      fs.symlinkSync(process.execPath, path.join(app, 'transfer-lab'));
      // the bundled CLI's place, taken by the probe
      fs.copyFileSync(probe, path.join(app, 'resources', 'app.asar', 'out', 'main', 'cli.js'));
      fs.writeFileSync(path.join(app, 'resources', 'app.asar', 'out', 'package.json'), '{"type":"module"}');
      const command = path.join(app, 'resources', 'bin', 'transfer-lab');
      expect(poolThreads(command, [], { TRANSFER_LAB_FAULT_CORES: '16' })).toBe(16);
      expect(poolThreads(command, [], { TRANSFER_LAB_FAULT_CORES: '16', UV_THREADPOOL_SIZE: '5' })).toBe(5);
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });
});
