import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The CLI as a user runs it, for the fault-injection suite: a child process of
 * `node bin/transfer-lab.cjs …`, its exit code, stdout and stderr — and a Ctrl+C (SIGINT) sent
 * when a line the test waits for appears, as a user presses it on seeing that line.
 */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = path.join(repoRoot, 'bin', 'transfer-lab.cjs');

export interface CliResult {
  /** the exit code, or 128 + the signal's number for a process a signal ended (as a shell says it) */
  code: number;
  stdout: string;
  stderr: string;
  /** the line that triggered the Ctrl+C, if one did */
  stoppedAt: string | null;
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };

export interface CliOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** send SIGINT on the first line of stdout or stderr that matches */
  interruptOn?: RegExp;
  /** the command to run instead of node (a wrapper that mounts a full disk first, say) */
  wrap?: (command: string, args: string[]) => [string, string[]];
}

export function runCli(args: string[], o: CliOptions): Promise<CliResult> {
  return runNode([cliPath, ...args], o);
}

/** a TypeScript script of the tests, run as the CLI is (through tsx) */
export function runScript(script: string, args: string[], o: CliOptions): Promise<CliResult> {
  return runNode([path.join(repoRoot, 'bin', 'run-ts.cjs'), path.resolve(repoRoot, script), ...args], o);
}

function runNode(nodeArgs: string[], o: CliOptions): Promise<CliResult> {
  const [command, argv] = (o.wrap ?? ((c, a) => [c, a]))(process.execPath, nodeArgs);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env: { ...o.env, FORCE_COLOR: '0' }, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stoppedAt: string | null = null;
    const watch = (chunk: string) => {
      if (!o.interruptOn || stoppedAt !== null) return;
      const line = chunk.split('\n').find((l) => o.interruptOn!.test(l));
      if (line === undefined) return;
      stoppedAt = line;
      child.kill('SIGINT');
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      watch(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      watch(d);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? (signalNumbers[signal] ?? 0) : 0), stdout, stderr, stoppedAt }));
  });
}

/** the lines a failed command printed as its error: exactly one is what a user should see */
export const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error:'));

export const jsonLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/**
 * No process of the test is left behind: nothing whose command line names the test's own
 * folder is still running (extraction workers are threads, so a CLI that exited took them).
 */
export function processesNaming(folder: string): number[] {
  const pids: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(folder)) pids.push(Number(pid));
    } catch {
      // ended meanwhile
    }
  }
  return pids.filter((p) => p !== process.pid);
}
