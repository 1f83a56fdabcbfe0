import { describe, expect, it, vi } from 'vitest';
import { ipcChannels } from '../../shared/ipcChannels';
import { createDesktopApi } from './bridge';

/** An ipcRenderer with main on the other end played by the test. */
function fakeIpc() {
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  return {
    invoke: vi.fn(),
    send: vi.fn(),
    on: vi.fn((channel: string, l: (...args: unknown[]) => void) => {
      listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l));
    }),
    removeListener: vi.fn((channel: string, l: (...args: unknown[]) => void) => {
      listeners.get(channel)?.delete(l);
    }),
    /** main sends on a channel */
    emit: (channel: string, ...args: unknown[]) => listeners.get(channel)?.forEach((l) => l({}, ...args)),
    count: (channel: string) => listeners.get(channel)?.size ?? 0,
  };
}

type Ipc = ReturnType<typeof fakeIpc>;
/** main's side of invoke: the response envelope to the request envelope it got */
const answerWith = (ipc: Ipc, reply: unknown) =>
  ipc.invoke.mockImplementation(async (_channel: string, request: { id: number }) => ({ type: 'response', id: request.id, reply }));
const event = (name: string, payload: unknown) => ({ type: 'event', name, payload });
const api = (ipc: Ipc) => createDesktopApi(ipc as unknown as Parameters<typeof createDesktopApi>[0]);

describe('window.transferLab', () => {
  it('is the contract’s API plus the dirty query and a dropped file’s path, nothing else', () => {
    expect(Object.keys(api(fakeIpc())).sort()).toEqual(['call', 'on', 'onDirtyQuery', 'pathForFile']);
  });

  it('gives a dropped file’s path as Electron knows it, and an empty one where it knows none', () => {
    const dropped = { name: 'flowers' } as File;
    const desktop = createDesktopApi(fakeIpc() as unknown as Parameters<typeof createDesktopApi>[0], (f) => (f === dropped ? '/home/me/flowers' : ''));
    expect(desktop.pathForFile(dropped)).toBe('/home/me/flowers');
    const refusing = createDesktopApi(fakeIpc() as unknown as Parameters<typeof createDesktopApi>[0], () => {
      throw new TypeError('not a File');
    });
    expect(refusing.pathForFile({} as File)).toBe('');
  });

  it('calls through the one channel with a request envelope and resolves with the result', async () => {
    const ipc = fakeIpc();
    answerWith(ipc, { ok: true, result: { path: '/data' } });
    await expect(api(ipc).call('dialog.pickFolder', {})).resolves.toEqual({ path: '/data' });
    expect(ipc.invoke).toHaveBeenCalledWith(ipcChannels.call, { type: 'request', id: 1, name: 'dialog.pickFolder', input: {} });
  });

  it('rejects with the plain { code, message, hint } of the contract', async () => {
    const ipc = fakeIpc();
    answerWith(ipc, { ok: false, error: { code: 'DATASET_NOT_FOUND', message: 'Dataset folder not found: /x', hint: 'Choose it again.' } });
    const e = await api(ipc)
      .call('dataset.scan', { path: '/x' })
      .catch((err: unknown) => err);
    expect(e).toEqual({ code: 'DATASET_NOT_FOUND', message: 'Dataset folder not found: /x', hint: 'Choose it again.' });
    expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
  });

  it('turns a refused or broken invoke into an INTERNAL error', async () => {
    const ipc = fakeIpc();
    ipc.invoke.mockRejectedValue(new Error("Error invoking remote method 'tl:call': Error: Refused"));
    await expect(api(ipc).call('app.info', {})).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/app\.info.*Refused/) });
  });

  it('delivers only the events asked for, until unsubscribed', () => {
    const ipc = fakeIpc();
    const listener = vi.fn();
    const off = api(ipc).on('scan.progress', listener);
    ipc.emit(ipcChannels.event, event('scan.progress', { path: '/d', done: 1, total: 2 }));
    ipc.emit(ipcChannels.event, event('download.progress', { source: 'x', received: 1, total: 2 }));
    expect(listener).toHaveBeenCalledExactlyOnceWith({ path: '/d', done: 1, total: 2 });
    off();
    ipc.emit(ipcChannels.event, event('scan.progress', { path: '/d', done: 2, total: 2 }));
    expect(listener).toHaveBeenCalledOnce();
  });

  it('parses what main sends: an event the contract does not allow, or no envelope at all, is dropped', () => {
    const ipc = fakeIpc();
    const listener = vi.fn();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    api(ipc).on('scan.progress', listener);
    ipc.emit(ipcChannels.event, event('scan.progress', { path: '/d', done: 'one' }));
    ipc.emit(ipcChannels.event, 'scan.progress', { path: '/d', done: 1, total: 2 });
    ipc.emit(ipcChannels.event, { type: 'event', name: 'no.such.event', payload: {} });
    expect(listener).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(3);
    warn.mockRestore();
  });

  it('a reply that is not the request’s response envelope fails the call instead of leaving it waiting', async () => {
    const ipc = fakeIpc();
    ipc.invoke.mockResolvedValueOnce({ ok: true, result: {} });
    await expect(api(ipc).call('app.info', {})).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/app\.info.*not its reply/) });
    ipc.invoke.mockResolvedValueOnce({ type: 'response', id: 99, reply: { ok: true, result: {} } });
    await expect(api(ipc).call('app.info', {})).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('the dirty query', () => {
  const answered = (ipc: Ipc) => vi.waitFor(() => expect(ipc.send).toHaveBeenCalled()).then(() => ipc.send.mock.calls.at(-1));

  it('answers not dirty while the page has registered nothing', async () => {
    const ipc = fakeIpc();
    api(ipc);
    ipc.emit(ipcChannels.queryDirty, 7, 'isDirty');
    expect(await answered(ipc)).toEqual([ipcChannels.dirtyAnswer, 7, false]);
  });

  it('asks the page’s handler and answers with its id', async () => {
    const ipc = fakeIpc();
    const save = vi.fn(async () => true);
    api(ipc).onDirtyQuery({ isDirty: () => true, save });
    ipc.emit(ipcChannels.queryDirty, 1, 'isDirty');
    expect(await answered(ipc)).toEqual([ipcChannels.dirtyAnswer, 1, true]);
    ipc.emit(ipcChannels.queryDirty, 2, 'save');
    await vi.waitFor(() => expect(ipc.send).toHaveBeenCalledTimes(2));
    expect(ipc.send.mock.calls[1]).toEqual([ipcChannels.dirtyAnswer, 2, true]);
    expect(save).toHaveBeenCalledOnce();
  });

  it('says "dirty" when the page cannot tell, and "not saved" when saving throws', async () => {
    const ipc = fakeIpc();
    api(ipc).onDirtyQuery({
      isDirty: () => {
        throw new Error('store not ready');
      },
      save: async () => {
        throw new Error('disk full');
      },
    });
    ipc.emit(ipcChannels.queryDirty, 1, 'isDirty');
    ipc.emit(ipcChannels.queryDirty, 2, 'save');
    await vi.waitFor(() => expect(ipc.send).toHaveBeenCalledTimes(2));
    expect(ipc.send.mock.calls).toContainEqual([ipcChannels.dirtyAnswer, 1, true]);
    expect(ipc.send.mock.calls).toContainEqual([ipcChannels.dirtyAnswer, 2, false]);
  });

  it('ignores questions it does not know', async () => {
    const ipc = fakeIpc();
    api(ipc);
    ipc.emit(ipcChannels.queryDirty, 1, 'deleteEverything');
    ipc.emit(ipcChannels.queryDirty, 'one', 'isDirty');
    await new Promise((r) => setTimeout(r, 10));
    expect(ipc.send).not.toHaveBeenCalled();
  });

  it('stops asking a handler once it is unregistered', async () => {
    const ipc = fakeIpc();
    const off = api(ipc).onDirtyQuery({ isDirty: () => true, save: async () => true });
    off();
    ipc.emit(ipcChannels.queryDirty, 3, 'isDirty');
    expect(await answered(ipc)).toEqual([ipcChannels.dirtyAnswer, 3, false]);
  });
});
