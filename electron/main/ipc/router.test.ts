import { fakeWindow, electronMock, invoke, ipcEvent } from '../test/electronMock';
import { pathToFileURL } from 'node:url';
import type { BrowserWindow } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RpcResult } from '../../../shared/rpc';
import type { ResponseEnvelope } from '../../../shared/envelope';
import { dialogHandlers } from '../dialogs';
import { isTrustedSender, type SenderEvent } from '../security/senderCheck';
import { ipcChannels } from '../../../shared/ipcChannels';
import { installRouter, routerHandlers } from './router';

const entry = pathToFileURL('/opt/Transfer Lab/resources/app.asar/out/renderer/index.html');
const { window, webContents } = fakeWindow(entry.href);
const win = window as unknown as BrowserWindow;
const engine = { call: vi.fn(async (name: string, input: unknown): Promise<RpcResult> => ({ ok: true, result: { forwarded: name, input } })) };
const afterCall = vi.fn();
const fromApp = ipcEvent(webContents, `${entry.href}#/train`);
let uninstall: () => void;

beforeEach(() => {
  vi.clearAllMocks();
  uninstall = installRouter({
    isTrustedSender: (e) => isTrustedSender(e as SenderEvent, win, entry),
    handlers: routerHandlers(
      dialogHandlers(() => win),
      engine,
    ),
    afterCall,
  });
});
afterEach(() => uninstall());

let nextId = 1;
/** what the preload does: a request envelope in, the reply out of the response envelope, whose id must be the request's */
const call = async (event: unknown, name: string, input: unknown) => {
  const id = nextId++;
  const response = (await invoke(ipcChannels.call, event, { type: 'request', id, name, input })) as ResponseEnvelope;
  expect(response).toMatchObject({ type: 'response', id });
  return response.reply;
};

describe('the tl:call chokepoint', () => {
  it('forwards a request from the app’s own page to the engine and reports it answered', async () => {
    await expect(call(fromApp, 'models.catalog', {})).resolves.toEqual({ ok: true, result: { forwarded: 'models.catalog', input: {} } });
    expect(engine.call).toHaveBeenCalledWith('models.catalog', {});
    expect(afterCall).toHaveBeenCalledWith('models.catalog', expect.objectContaining({ ok: true }));
  });

  it.each([
    ['another window’s page', ipcEvent(fakeWindow(entry.href).webContents, entry.href)],
    ['a sub-frame of our window', ipcEvent(webContents, entry.href, { url: entry.href })],
    ['another file on the disk', ipcEvent(webContents, 'file:///home/user/Downloads/evil.html')],
    ['a web page the window was navigated to', ipcEvent(webContents, 'https://example.com/')],
    ['a frame that is already gone', { sender: webContents, senderFrame: null }],
  ])('refuses %s without reaching the engine', async (_what, event) => {
    await expect(call(event, 'models.catalog', {})).rejects.toThrow(/Refused/);
    expect(engine.call).not.toHaveBeenCalled();
  });

  it('refuses input the contract does not allow with BAD_ARGUMENT, before the engine', async () => {
    const reply = (await call(fromApp, 'dataset.scan', { path: 42 })) as RpcResult;
    expect(reply).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
    expect(reply.ok || reply.error.message).toMatch(/dataset\.scan.*path/);
    await expect(call(fromApp, 'fs.delete', {})).resolves.toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
    await expect(call(fromApp, 'train.start', 'not an object')).resolves.toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
    expect(engine.call).not.toHaveBeenCalled();
  });

  it('answers what is not a request envelope with BAD_ARGUMENT to id null, before the engine', async () => {
    for (const raw of ['models.catalog', null, { type: 'request', id: -1, name: 'models.catalog', input: {} }, { name: 'models.catalog' }]) {
      await expect(invoke(ipcChannels.call, fromApp, raw)).resolves.toMatchObject({
        type: 'response',
        id: null,
        reply: { ok: false, error: { code: 'BAD_ARGUMENT' } },
      });
    }
    expect(engine.call).not.toHaveBeenCalled();
    expect(afterCall).not.toHaveBeenCalled();
  });

  it('passes the engine’s failure on as plain data, code and hint intact', async () => {
    engine.call.mockResolvedValueOnce({
      ok: false,
      error: { code: 'DATASET_NOT_FOUND', message: 'Dataset folder not found: /x', hint: 'Choose the folder again.' },
    });
    await expect(call(fromApp, 'dataset.scan', { path: '/x' })).resolves.toEqual({
      ok: false,
      error: { code: 'DATASET_NOT_FOUND', message: 'Dataset folder not found: /x', hint: 'Choose the folder again.' },
    });
  });
});

describe('the sender check with the dev server', () => {
  const dev = new URL('http://localhost:5173/');
  it('trusts the dev server’s origin only', () => {
    const { window: w, webContents: wc } = fakeWindow(dev.href);
    const trusted = (url: string) => isTrustedSender(ipcEvent(wc, url) as SenderEvent, w as unknown as BrowserWindow, dev);
    expect(trusted('http://localhost:5173/#/model')).toBe(true);
    expect(trusted('http://localhost:5174/')).toBe(false);
    expect(trusted('http://127.0.0.1:5173/')).toBe(false);
  });
});

describe('native dialogs, answered in main', () => {
  const { showOpenDialog, showSaveDialog } = electronMock.dialog;

  it('returns the folder the user chose, modal to the window', async () => {
    showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/data/photos'] });
    await expect(call(fromApp, 'dialog.pickFolder', { title: 'Dataset' })).resolves.toEqual({ ok: true, result: { path: '/data/photos' } });
    expect(showOpenDialog).toHaveBeenCalledWith(win, expect.objectContaining({ title: 'Dataset', properties: expect.arrayContaining(['openDirectory']) }));
    expect(engine.call).not.toHaveBeenCalled();
  });

  it('answers null when the user cancels', async () => {
    showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    await expect(call(fromApp, 'dialog.pickFolder', {})).resolves.toEqual({ ok: true, result: { path: null } });
  });

  it('opens only .tlab projects', async () => {
    showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/home/u/flowers.tlab'] });
    await expect(call(fromApp, 'dialog.pickProjectFile', { mode: 'open' })).resolves.toEqual({ ok: true, result: { path: '/home/u/flowers.tlab' } });
    expect(showOpenDialog).toHaveBeenCalledWith(win, expect.objectContaining({ filters: [{ name: 'Transfer Lab project', extensions: ['tlab'] }] }));
  });

  it('saves under the chosen name, adding .tlab when the dialog did not', async () => {
    showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: '/home/u/flowers' });
    await expect(call(fromApp, 'dialog.pickProjectFile', { mode: 'save', defaultPath: '/home/u' })).resolves.toEqual({
      ok: true,
      result: { path: '/home/u/flowers.tlab' },
    });
    showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: '/home/u/flowers.TLAB' });
    await expect(call(fromApp, 'dialog.pickProjectFile', { mode: 'save' })).resolves.toEqual({ ok: true, result: { path: '/home/u/flowers.TLAB' } });
  });
});
