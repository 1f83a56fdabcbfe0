import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesktopApi } from '../electron/preload/desktopApi';
import { findElectronBinary } from '../scripts/electronBinary.mjs';

/**
 * The desktop app itself, driven by Playwright: a real window, preload, main and engine
 * process. It needs Electron's binary (and, on Linux, a display); where either is missing the
 * suite is skipped and says why. Run alone with: npx vitest run e2e/electron.test.ts
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electron = findElectronBinary(root);
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const skipReason = electron.missing
  ? `Electron binary not downloaded: ${electron.missing}`
  : noDisplay
    ? 'no display to open a window on (run it under xvfb-run)'
    : null;
if (skipReason) console.log(`e2e/electron.test.ts skipped. ${skipReason}.`);

/** the page's globals, for functions that Playwright runs in the page (they cannot close over ours) */
type PageGlobals = {
  transferLab: DesktopApi;
  commands: unknown[];
  require?: unknown;
  process?: unknown;
  open(url: string): unknown;
  location: { href: string };
};

describe.skipIf(skipReason !== null)('the desktop app', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-electron-'));
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`electron-vite build failed:\n${build.stderr}`);
    app = await _electron.launch({
      executablePath: electron.path!,
      args: [root],
      cwd: root,
      env: { ...process.env, TRANSFER_LAB_CACHE: home, XDG_CONFIG_HOME: home },
    });
    page = await app.firstWindow();
    await page.waitForLoadState('load');
  }, 300_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('gives the page window.transferLab and nothing of Node or Electron', async () => {
    const seen = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return { api: Object.keys(g.transferLab).sort(), require: typeof g.require, process: typeof g.process };
    });
    expect(seen).toEqual({ api: ['call', 'on', 'onDirtyQuery'], require: 'undefined', process: 'undefined' });
  });

  it('runs the page under the Content-Security-Policy: no eval', async () => {
    const evalRefused = await page.evaluate(() => {
      try {
        return (0, eval)('1') !== 1;
      } catch {
        return true;
      }
    });
    expect(evalRefused).toBe(true);
  });

  it('answers through main and the engine’s utility process', async () => {
    await expect(page.evaluate(() => (globalThis as unknown as PageGlobals).transferLab.call('app.info', {}))).resolves.toMatchObject({ host: 'electron' });
    const refused = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).transferLab.call('dataset.scan', { path: 42 } as never).catch((e: unknown) => e),
    );
    expect(refused).toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('refuses new windows and navigation away from the app', async () => {
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).open('https://example.com/') === null)).toBe(true);
    const before = page.url();
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
  });

  it("keeps a hidden GPU window, sandboxed, with no Node, on its own page, after the app's window", async () => {
    expect(app.windows()[0]).toBe(page);
    const gpu = await app.evaluate(({ BrowserWindow }) =>
      BrowserWindow.getAllWindows()
        .filter((w) => w.webContents.getURL().endsWith('/gpu.html'))
        .map((w) => ({ url: w.webContents.getURL(), visible: w.isVisible() })),
    );
    expect(gpu).toEqual([{ url: 'app://transfer-lab/gpu.html', visible: false }]);
    const gpuPage = app.windows().find((p) => p.url().endsWith('/gpu.html'))!;
    const seen = await gpuPage.evaluate(() => {
      const g = globalThis as unknown as PageGlobals & { navigator: { gpu?: unknown } };
      return { require: typeof g.require, process: typeof g.process, transferLab: typeof g.transferLab, webgpu: typeof g.navigator.gpu };
    });
    // WebGPU itself depends on the machine's GPU and driver: what the engine then does is tested without Electron
    expect(seen).toMatchObject({ require: 'undefined', process: 'undefined', transferLab: 'undefined' });
  });

  it('sends the menu’s commands to the page', async () => {
    await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      g.commands = [];
      g.transferLab.on('app.command', (c) => g.commands.push(c));
    });
    await app.evaluate(({ Menu }) => {
      const file = Menu.getApplicationMenu()?.items.find((i) => i.label.replace('&', '') === 'File');
      file?.submenu?.items.find((i) => i.label.replace('&', '') === 'Save As…')?.click();
    });
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).commands)).toEqual([{ command: 'saveAs' }]);
  });

  it('keeps a window with unsaved changes open when the user cancels', async () => {
    await page.evaluate(() => void (globalThis as unknown as PageGlobals).transferLab.onDirtyQuery({ isDirty: () => true, save: async () => false }));
    await app.evaluate(({ BrowserWindow, dialog }) => {
      dialog.showMessageBox = (async () => ({ response: 2, checkboxChecked: false })) as typeof dialog.showMessageBox;
      // the app's window, not the hidden GPU window
      BrowserWindow.getAllWindows()
        .find((w) => !w.webContents.getURL().endsWith('/gpu.html'))
        ?.close();
    });
    await page.waitForTimeout(500);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().filter((w) => !w.webContents.getURL().endsWith('/gpu.html')).length)).toBe(
      1,
    );
  });
});
