import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createDesktopApi } from './bridge';

/**
 * The preload exposes exactly one object, `window.transferLab`; the page gets neither
 * ipcRenderer nor any Node, only the path of what the user drops on the window. Sandboxed, so the build bundles this file as CommonJS.
 */
contextBridge.exposeInMainWorld(
  'transferLab',
  createDesktopApi(ipcRenderer, (file) => webUtils.getPathForFile(file)),
);
