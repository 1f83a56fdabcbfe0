import { electronMock, fakeWindow, ipcEvent, send } from './test/electronMock';
import type { BrowserWindow } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { guardUnsavedChanges } from './closeGuard';
import { ipcChannels, type DirtyQuestion } from '../../shared/ipcChannels';
import { DirtyQuery } from './ipc/dirtyQuery';

const url = 'file:///app/out/renderer/index.html';
const buttons = { save: 0, dontSave: 1, cancel: 2 };

/** a window whose page answers main's questions as given (undefined: it never answers) */
function setUp(answers: Partial<Record<DirtyQuestion, boolean>>) {
  const { window, webContents } = fakeWindow(url);
  webContents.send.mockImplementation((channel: string, id: number, question: DirtyQuestion) => {
    if (channel !== ipcChannels.queryDirty || answers[question] === undefined) return;
    setImmediate(() => send(ipcChannels.dirtyAnswer, ipcEvent(webContents, url), id, answers[question]));
  });
  const query = new DirtyQuery((e) => (e as unknown as { sender: unknown }).sender === webContents);
  guardUnsavedChanges(window as unknown as BrowserWindow, query, 200);
  const close = () => {
    const event = { preventDefault: vi.fn() };
    window.emit('close', event);
    return event;
  };
  return { window, webContents, close };
}

beforeEach(() => vi.clearAllMocks());

describe('closing with unsaved changes', () => {
  it('closes at once when the project is saved', async () => {
    const { window, close } = setUp({ isDirty: false });
    expect(close().preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(window.close).toHaveBeenCalled());
    expect(electronMock.dialog.showMessageBox).not.toHaveBeenCalled();
    expect(close().preventDefault).not.toHaveBeenCalled();
  });

  it('asks Save / Don’t Save / Cancel, and Cancel keeps the window', async () => {
    electronMock.dialog.showMessageBox.mockResolvedValueOnce({ response: buttons.cancel });
    const { window, close } = setUp({ isDirty: true });
    close();
    await vi.waitFor(() => expect(electronMock.dialog.showMessageBox).toHaveBeenCalled());
    expect(electronMock.dialog.showMessageBox.mock.lastCall?.[1]).toMatchObject({ buttons: ['Save', "Don't Save", 'Cancel'], cancelId: 2 });
    await new Promise((r) => setTimeout(r, 20));
    expect(window.close).not.toHaveBeenCalled();
  });

  it('Don’t Save closes without saving', async () => {
    electronMock.dialog.showMessageBox.mockResolvedValueOnce({ response: buttons.dontSave });
    const { window, webContents, close } = setUp({ isDirty: true, save: true });
    close();
    await vi.waitFor(() => expect(window.close).toHaveBeenCalled());
    expect(webContents.send.mock.calls.map((c) => c[2])).toEqual(['isDirty']);
  });

  it('Save saves first, and closes only once it has', async () => {
    electronMock.dialog.showMessageBox.mockResolvedValue({ response: buttons.save });
    const saved = setUp({ isDirty: true, save: true });
    saved.close();
    await vi.waitFor(() => expect(saved.window.close).toHaveBeenCalled());
    expect(saved.webContents.send.mock.calls.map((c) => c[2])).toEqual(['isDirty', 'save']);

    const notSaved = setUp({ isDirty: true, save: false });
    notSaved.close();
    await vi.waitFor(() => expect(notSaved.webContents.send).toHaveBeenCalledTimes(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(notSaved.window.close).not.toHaveBeenCalled();
  });

  it('does not hold the window hostage when the page cannot answer', async () => {
    const { window, close } = setUp({});
    close();
    await vi.waitFor(() => expect(window.close).toHaveBeenCalled(), { timeout: 2000 });
  });

  it('ignores answers from another page', async () => {
    const { window, webContents, close } = setUp({});
    close();
    const [, id] = webContents.send.mock.lastCall as [string, number];
    send(ipcChannels.dirtyAnswer, ipcEvent(fakeWindow(url).webContents, url), id, true);
    await vi.waitFor(() => expect(window.close).toHaveBeenCalled(), { timeout: 2000 });
    expect(electronMock.dialog.showMessageBox).not.toHaveBeenCalled();
  });
});
