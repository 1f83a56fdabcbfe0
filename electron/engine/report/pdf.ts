import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A PDF of the report, printed from its HTML by a headless Chromium (Debian's `chromium`,
 * Ubuntu's snap, Google Chrome, or TRANSFER_LAB_CHROMIUM). The desktop app prints with its own
 * Electron window instead (report.printPdf in main); this is for the web host and the CLI.
 */
export function findChromium(): string | null {
  const candidates = [
    process.env.TRANSFER_LAB_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ];
  return candidates.find((c): c is string => Boolean(c) && fs.existsSync(c!)) ?? null;
}

export async function printPdf(htmlFile: string, pdfFile: string, o: { timeoutMs?: number } = {}): Promise<void> {
  const chromium = findChromium();
  if (!chromium) throw new Error('no Chromium or Chrome was found to print with (set TRANSFER_LAB_CHROMIUM to one)');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-print-'));
  // printed beside the destination, then renamed: a failed print leaves no half PDF behind
  const partial = `${pdfFile}.${process.pid}.part`;
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--no-pdf-header-footer',
    `--print-to-pdf=${partial}`,
    pathToFileURL(htmlFile).href,
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code === 0 && fs.existsSync(partial) && fs.statSync(partial).size > 0) resolve();
        else reject(new Error(`${path.basename(chromium)} could not print the report (exit ${code}): ${err.trim().split('\n').at(-1) ?? ''}`));
      });
    });
    fs.renameSync(partial, pdfFile);
  } finally {
    fs.rmSync(partial, { force: true });
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
