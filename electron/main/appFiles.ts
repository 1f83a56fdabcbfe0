import path from 'node:path';
import { appEntryUrl } from './appProtocol';

/** Where the built app's parts lie, relative to the bundled main (out/main/index.js). */
export interface AppFiles {
  /** sandboxed preloads run as CommonJS */
  preload: string;
  /** what the window loads: the built renderer's index.html through app://, or the dev server in `npm run dev` */
  rendererUrl: URL;
  /** the built renderer, which app:// serves */
  rendererDir: string;
  /** the engine's utility-process entry */
  engineEntry: string;
  /** the extraction worker as its own bundle (the sources boot it through tsx instead) */
  extractWorker: string;
  /** the window's icon, for Linux desktops that have no installed desktop entry (AppImage, npm start) */
  icon: string;
  /** the hidden GPU window's preload (it passes the engine's port to the page) and page */
  gpuPreload: string;
  gpuPageUrl: URL;
}

export function appFiles(mainDir: string, devServerUrl?: string): AppFiles {
  return {
    preload: path.join(mainDir, '..', 'preload', 'index.cjs'),
    rendererUrl: devServerUrl ? new URL(devServerUrl) : new URL(appEntryUrl),
    rendererDir: path.join(mainDir, '..', 'renderer'),
    engineEntry: path.join(mainDir, 'engine.js'),
    extractWorker: path.join(mainDir, 'extractWorker.js'),
    icon: path.join(mainDir, 'icon.png'),
    gpuPreload: path.join(mainDir, '..', 'preload', 'gpuWindow.cjs'),
    gpuPageUrl: new URL('gpu.html', devServerUrl ? new URL(devServerUrl) : appEntryUrl),
  };
}

/**
 * Whether a URL is the app itself. For app:// (and file://, should an entry ever be one) that is
 * exactly the renderer's index.html (any query or hash: the wizard keeps its step there), not
 * any other file; for the dev server, any page of its origin.
 */
export function isAppUrl(url: string, entry: URL): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (entry.protocol === 'file:' || entry.protocol === 'app:') {
    return u.protocol === entry.protocol && u.host === entry.host && safeDecode(u.pathname) === safeDecode(entry.pathname);
  }
  return u.origin === entry.origin;
}

function safeDecode(p: string): string | null {
  try {
    return decodeURIComponent(p);
  } catch {
    return null;
  }
}
