import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app } from 'electron';
import { withThreadpool } from '../../bin/threadpool.cjs';
import type { RequestOutput } from '../../shared/contract';
import { appFiles } from './appFiles';
import { registerAppScheme, serveAppScheme } from './appProtocol';
import { guardUnsavedChanges } from './closeGuard';
import { dialogHandlers } from './dialogs';
import { shellHandlers } from './shellOpen';
import { reportPdfHandlers } from './reportPdf';
import { EngineProcess } from './engine/engineProcess';
import { DirtyQuery } from './ipc/dirtyQuery';
import { installRouter, routerHandlers } from './ipc/router';
import { AppMenu } from './menu';
import { claimSingleInstance, listenForOpenFile, projectFileIn } from './openFiles';
import { RendererLink } from './rendererLink';
import { enforceContentSecurityPolicy } from './security/cspHeader';
import { refuseForeignNavigation } from './security/navigation';
import { allowOnlyTheCamera } from './security/permissions';
import { isTrustedSender, type SenderEvent } from './security/senderCheck';
import { createMainWindow } from './window';
import { gpuSwitches, gpuWindowWanted, linkGpuWindow } from './gpuWindow';

/**
 * Transfer Lab's main process, booted as an ordered list of small steps. Main stays thin: it
 * owns the window, the menu, the native dialogs and the IPC chokepoint, and forwards the work
 * to the engine, which runs in a utility process of its own.
 */
const log = (message: string) => console.error(`transfer-lab: ${message}`);
const files = appFiles(path.dirname(fileURLToPath(import.meta.url)), app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL);
const link = new RendererLink();
const openProject = (file: string | null) => (file ? link.command({ command: 'open', file }) : link.focus());

// Chromium's profile under the product's name, in development too, apart from the engine's own
// ~/.config/transfer-lab (recent projects), which the CLI and the web host share
app.setPath('userData', path.join(app.getPath('appData'), 'Transfer Lab'));
// app:// must be declared before the app is ready
registerAppScheme();
// Chromium's WebGPU for the GPU window, where it is behind a switch (Linux)
const gpuWindowOn = gpuWindowWanted(process.env);
if (gpuWindowOn) for (const [name, value] of gpuSwitches(process.platform)) app.commandLine.appendSwitch(name, value);

if (!claimSingleInstance(openProject)) {
  app.quit();
} else {
  listenForOpenFile(openProject);
  const launchedWith = projectFileIn(process.argv.slice(1), process.cwd());
  await app.whenReady();
  start(launchedWith);
}

function start(launchedWith: string | null): void {
  // the rules come first: nothing may load before they are in place
  enforceContentSecurityPolicy();
  allowOnlyTheCamera(files.rendererUrl);
  refuseForeignNavigation(files.rendererUrl);
  serveAppScheme(files.rendererDir);

  // the engine's link to the hidden GPU window (Chromium's WebGPU): main connects the two, nothing more
  const gpu = gpuWindowOn ? linkGpuWindow(files, () => engine, log) : null;
  const engine: EngineProcess = new EngineProcess({
    entry: files.engineEntry,
    // its image decoding runs on libuv's pool, sized to the cores before the process starts (bin/threadpool.cjs)
    env: { ...definedEnv(withThreadpool()), TRANSFER_LAB_VERSION: app.getVersion(), TRANSFER_LAB_EXTRACT_WORKER: files.extractWorker },
    onEvent: (name, payload) => link.send(name, payload),
    log,
    onStarted: () => gpu?.engineStarted(),
  });
  engine.start();

  const menu = new AppMenu({ command: (c) => link.command(c), engine, isMac: process.platform === 'darwin', devTools: !app.isPackaged });
  menu.install();
  void menu.refreshRecent();

  const trusted = (event: SenderEvent) => isTrustedSender(event, link.window(), files.rendererUrl);
  installRouter({
    isTrustedSender: trusted,
    handlers: routerHandlers({ ...dialogHandlers(() => link.window()), ...reportPdfHandlers(), ...shellHandlers() }, engine),
    afterCall: (name, reply) => {
      if (!reply.ok || (name !== 'project.open' && name !== 'project.save')) return;
      app.addRecentDocument((reply.result as RequestOutput<'project.open'>).file);
      void menu.refreshRecent();
    },
    log,
  });
  const dirty = new DirtyQuery(trusted);

  const openWindow = () => {
    const win = createMainWindow(files);
    link.attach(win);
    guardUnsavedChanges(win, dirty);
    // the hidden GPU window must not keep the app open once the user's window has closed
    win.once('closed', () => gpu?.close());
  };
  openWindow();
  // after the app's window, so it stays the first window (tests and the window manager see it first)
  gpu?.open();
  if (launchedWith) openProject(launchedWith);

  app.on('activate', () => {
    if (!link.window()) openWindow();
  });
  // one window: closing it ends the app, on macOS too
  app.on('window-all-closed', () => app.quit());
  let engineStopped = false;
  app.on('will-quit', (event) => {
    if (engineStopped) return;
    event.preventDefault();
    void engine.stop().finally(() => {
      engineStopped = true;
      app.quit();
    });
  });
}

function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
