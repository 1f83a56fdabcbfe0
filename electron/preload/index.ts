import { contextBridge, ipcRenderer } from 'electron';
import { createDesktopApi } from './bridge';

/**
 * The preload exposes exactly one object, `window.transferLab`; the page gets neither
 * ipcRenderer nor any Node. Sandboxed, so the build bundles this file as CommonJS.
 */
contextBridge.exposeInMainWorld('transferLab', createDesktopApi(ipcRenderer));
