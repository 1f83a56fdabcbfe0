import { MessageChannel, type MessagePort } from 'node:worker_threads';

/**
 * The engine's link to the desktop app's GPU window. Electron's main gives the utility process
 * one end of a MessageChannelMain (the window has the other); an extraction worker, a thread of
 * its own, cannot hold an Electron port, so each extraction that wants the window gets a
 * worker_threads port that is bridged to it here: messages pass through untouched, and when
 * the window's port closes (the window crashed or was closed) the worker's port closes too, so
 * its requests fail with a reason and the extraction falls back to the CPU. Only one bridge at
 * a time: the window serves one graph. Outside the desktop app there is no port and nothing here
 * does anything.
 */
export interface AppPortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  removeListener(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

let appPort: AppPortLike | null = null;
let endBridge: (() => void) | null = null;

/** the port main sent; a later one (main reconnected after the window crashed) replaces it */
export function setGpuWindowPort(port: AppPortLike): void {
  endBridge?.();
  appPort?.close();
  appPort = port;
  port.on('close', () => {
    if (appPort === port) appPort = null;
  });
  port.start();
}

export function hasGpuWindow(): boolean {
  return appPort !== null;
}

/** A port for one extraction worker, bridged to the window; null when there is no window. */
export function openGpuWindowChannel(): MessagePort | null {
  const app = appPort;
  if (!app) return null;
  endBridge?.();
  const { port1, port2 } = new MessageChannel();
  const fromApp = (e: { data: unknown }) => port1.postMessage(e.data);
  const appClosed = () => port1.close();
  const toApp = (m: unknown) => app.postMessage(m);
  app.on('message', fromApp);
  app.on('close', appClosed);
  port1.on('message', toApp);
  const end = () => {
    app.removeListener('message', fromApp);
    app.removeListener('close', appClosed);
    port1.off('message', toApp);
    port1.close();
    if (endBridge === end) endBridge = null;
  };
  // the worker closed its end (done, or fell back): the window stays for the next extraction
  port1.once('close', end);
  endBridge = end;
  return port2;
}

/** for tests: forget the window */
export function clearGpuWindowPort(): void {
  endBridge?.();
  appPort = null;
}
