import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** wall time from spawn to exit, as a user running the command would see it */
  wallSeconds: number;
}

const running = new Set<ChildProcess>();

/** Stops the children this bench started (on Ctrl-C), so no measurement outlives it. */
export function killChildren(): void {
  for (const c of running) c.kill('SIGTERM');
}

export function runProcess(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    // only the tail is ever shown; a chatty child must not grow this without bound
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20000)));
    child.on('error', (e) => {
      running.delete(child);
      reject(e);
    });
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr, wallSeconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** The last line of the output that parses as a JSON object, or null. */
export function lastJsonLine(text: string): Record<string, unknown> | null {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    const s = line.trim();
    if (!s.startsWith('{')) continue;
    try {
      const v: unknown = JSON.parse(s);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // a progress line that only looks like JSON: keep looking
    }
  }
  return null;
}

export function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** The line of a failed child's output that says what went wrong, for a one-line note. */
export function errorLine(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^(\w*Error\b|error:)/i.test(l)) ?? lines.at(-1) ?? '(no output)';
}
