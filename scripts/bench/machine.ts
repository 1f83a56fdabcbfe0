import fs from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { coreCount, decodeThreads } from '../../electron/engine/util/cores';

export interface MachineInfo {
  cpus: number;
  model: string;
  node: string;
  platform: string;
  memoryGiB: number;
  avx512: boolean;
  loadAverage1m: number;
  /** threads of libuv's pool, where sharp decodes (bin/threadpool.cjs sizes it to the cores) */
  decodeThreads: number;
}

/** the cores the bench sizes the peer's threads by: the engine's own count */
export const cpuCount = coreCount;

export function machineInfo(): MachineInfo {
  let avx512 = false;
  try {
    avx512 = /\bavx512f\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    // not Linux: the flag stays unknown (false)
  }
  return {
    cpus: cpuCount(),
    model: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    avx512,
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
    decodeThreads: decodeThreads(),
  };
}

// USER_HZ is 100 on every Linux the engine targets (x64 and arm64 Jetsons)
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  at: number;
  /** busy ticks of the whole machine */
  machine: number;
  /** busy ticks of this process and of its children that have ended */
  ours: number;
}

/** null where /proc is missing (not Linux): then nothing can be said about other processes */
export function sampleCpu(): CpuSample | null {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait are work
    const machine = cpu.slice(0, 8).reduce((a, v, i) => (i === 3 || i === 4 ? a : a + v), 0);
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // the command name may hold spaces: count fields from the last ')'
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return { at: performance.now(), machine, ours: f[11]! + f[12]! + f[13]! + f[14]! };
  } catch {
    return null;
  }
}

/**
 * Cores that other processes kept busy between two samples: the machine's work minus ours.
 * Counting this way (not by a process list) also catches short-lived test processes.
 */
export function othersCores(a: CpuSample | null, b: CpuSample | null): number | null {
  if (!a || !b || b.at <= a.at) return null;
  const ticks = b.machine - a.machine - (b.ours - a.ours);
  return Math.max(0, ticks / TICKS_PER_SECOND / ((b.at - a.at) / 1000));
}

async function othersBusyNow(windowMs = 2000): Promise<number | null> {
  const a = sampleCpu();
  await sleep(windowMs);
  return othersCores(a, sampleCpu());
}

// a quarter of a 2-core machine already moves a CPU-bound figure by several per cent
export const BUSY_CORES = 0.25;

/** how a step shared the machine: recorded where it had to wait or was disturbed */
export interface StepLoad {
  step: string;
  waitedSeconds: number;
  /** cores other processes used while the kept measurement ran */
  othersCoresDuring: number | null;
  attempts: number;
}

/**
 * Waits (up to maxWaitSeconds) until nothing else keeps more than BUSY_CORES busy, so a
 * measurement is not shared with someone's test run. Proceeds anyway after the wait; returns
 * the seconds it waited.
 */
export async function waitForQuiet(step: string, maxWaitSeconds: number, log: (s: string) => void): Promise<number> {
  let busy = await othersBusyNow();
  const t0 = performance.now();
  while (busy !== null && busy > BUSY_CORES) {
    const waited = (performance.now() - t0) / 1000;
    if (waited >= maxWaitSeconds) {
      log(`other processes still use ${busy.toFixed(2)} cores after ${Math.round(waited)} s: measuring "${step}" anyway`);
      break;
    }
    log(`other processes use ${busy.toFixed(2)} cores: waiting before "${step}" (${Math.round(waited)}/${maxWaitSeconds} s)`);
    await sleep(10_000);
    busy = await othersBusyNow();
  }
  return Math.round((performance.now() - t0) / 1000);
}
