import fs from 'node:fs';
import { BrowserWindow, nativeTheme } from 'electron';
import type { AppFiles } from './appFiles';
import { appWindow } from '../../shared/appWindow';
import { attachContextMenu } from './contextMenu';

/**
 * The app's one window. The page gets no Node and no Electron: it runs sandboxed, in its own
 * JavaScript world, and reaches main only through the preload's `window.transferLab`.
 */
export function createMainWindow(files: AppFiles): BrowserWindow {
  const win = new BrowserWindow({
    width: appWindow.width,
    height: appWindow.height,
    minWidth: appWindow.minWidth,
    minHeight: appWindow.minHeight,
    show: false,
    title: 'Transfer Lab',
    // the page's own background (styles.css), light or dark as the system is, until it paints
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15191f' : '#f3f4f6',
    ...(fs.existsSync(files.icon) ? { icon: files.icon } : {}),
    webPreferences: {
      preload: files.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  attachContextMenu(win.webContents);
  // app://transfer-lab/index.html (appProtocol.ts), or the dev server
  void win.loadURL(files.rendererUrl.href);
  return win;
}
