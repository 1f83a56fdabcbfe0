import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { appWindow } from '../shared/appWindow';

/**
 * What every end-to-end test starts with: the real engine behind `transfer-lab serve` (its
 * caches and config in a scratch folder), Debian's Chromium on a 1440×900 page, and the few
 * helpers the tests share. Screenshots go to e2e/artifacts/.
 */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const artifacts = path.join(root, 'e2e', 'artifacts');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

export interface Harness {
  work: string;
  url: string;
  page: Page;
  pageErrors: string[];
  id(testid: string): ReturnType<Page['getByTestId']>;
  shot(name: string): Promise<unknown>;
  text(testid: string): Promise<string>;
  until(what: string, check: () => Promise<boolean>, timeout?: number): Promise<void>;
  setField(testid: string, value: string): Promise<void>;
  /** a fresh page (no storage of the old one's tab) that the helpers then work on */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

function serve(work: string): Promise<{ url: string; server: ChildProcess }> {
  const server = spawn(process.execPath, [path.join(root, 'bin', 'transfer-lab.cjs'), 'serve', '--port', '0', '--backend', 'wasm'], {
    env: { ...process.env, TRANSFER_LAB_CACHE: path.join(work, 'cache'), XDG_CONFIG_HOME: path.join(work, 'config') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let text = '';
    server.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /(http:\/\/\S+\?token=\S+)/.exec(text);
      if (m) resolve({ url: m[1]!, server });
    });
    server.stderr!.on('data', (d: Buffer) => (text += d.toString()));
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
  });
}

/** `camera`: a Y4M file the browser's fake camera plays (fakeCamera.ts), its permission granted as a user would */
export async function startHarness(prefix: string, o: { camera?: string } = {}): Promise<Harness> {
  fs.mkdirSync(artifacts, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const { url, server } = await serve(work);
  const browser: Browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--no-first-run',
      ...(o.camera ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${o.camera}`] : []),
    ],
  });
  const pageErrors: string[] = [];
  const open = async () => {
    // the desktop app's own window size: what its users see
    const p = await browser.newPage({ viewport: { width: appWindow.width, height: appWindow.height } });
    p.on('pageerror', (e) => pageErrors.push(e.message));
    // leaving with unsaved work asks first (beforeunload); the tests mean to reload
    p.on('dialog', (d) => void d.accept());
    return p;
  };
  let page = await open();
  const id = (t: string) => page.getByTestId(t);
  return {
    work,
    url,
    get page() {
      return page;
    },
    pageErrors,
    id,
    async newPage() {
      page = await open();
      return page;
    },
    shot: (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) }),
    text: async (t) => ((await id(t).textContent()) ?? '').trim(),
    async until(what, check, timeout = 120_000) {
      const deadline = Date.now() + timeout;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await page.waitForTimeout(200);
      }
    },
    async setField(t, value) {
      await id(t).fill(value);
      await id(t).press('Tab');
    },
    async close() {
      await browser.close();
      if (server.exitCode === null) {
        await new Promise<void>((r) => {
          server.once('exit', () => r());
          server.kill('SIGTERM');
        });
      }
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
