import { dialog, type BrowserWindow } from 'electron';
import type { DirtyQuery } from './ipc/dirtyQuery';

/** how long a healthy renderer needs to say whether the project is dirty */
const defaultAnswerTimeoutMs = 3_000;

/**
 * Closing the window (or quitting, which closes it) with unsaved changes asks first:
 * Save / Don't Save / Cancel. Cancel, or a save that was cancelled or failed, keeps the window
 * open, and Electron then abandons the quit. A renderer that cannot answer cannot save either,
 * so it does not hold the window hostage.
 */
export function guardUnsavedChanges(win: BrowserWindow, query: DirtyQuery, answerTimeoutMs = defaultAnswerTimeoutMs): void {
  let mayClose = false;
  let deciding = false;
  win.on('close', (event) => {
    if (mayClose) return;
    event.preventDefault();
    if (deciding) return;
    deciding = true;
    void mayCloseNow(win, query, answerTimeoutMs)
      .catch(() => true)
      .then((ok) => {
        deciding = false;
        if (!ok || win.isDestroyed()) return;
        mayClose = true;
        win.close();
      });
  });
}

async function mayCloseNow(win: BrowserWindow, query: DirtyQuery, answerTimeoutMs: number): Promise<boolean> {
  if ((await query.ask(win.webContents, 'isDirty', answerTimeoutMs)) !== true) return true;
  const { response } = await dialog.showMessageBox(win, {
    type: 'warning',
    buttons: ['Save', "Don't Save", 'Cancel'],
    defaultId: 0,
    cancelId: 2,
    noLink: true,
    message: 'Save the changes to this project before closing?',
    detail: 'If you don’t save, your changes since the last save are lost. Finished training runs stay on disk either way.',
  });
  if (response === 2) return false;
  if (response === 1) return true;
  return (await query.ask(win.webContents, 'save')) === true;
}
