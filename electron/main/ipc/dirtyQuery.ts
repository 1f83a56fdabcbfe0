import { ipcMain, type IpcMainEvent, type WebContents } from 'electron';
import { ipcChannels, type DirtyQuestion } from '../../../shared/ipcChannels';

/**
 * Main asks the renderer about the open project (see channels.ts): a numbered question out,
 * the answer back on its own channel from the same trusted window. `null` means no answer —
 * the page is gone, hung, or slower than the timeout — and the caller decides what that means.
 */
export class DirtyQuery {
  private nextId = 1;
  private readonly pending = new Map<number, (answer: boolean | null) => void>();

  constructor(isTrustedSender: (event: IpcMainEvent) => boolean) {
    ipcMain.on(ipcChannels.dirtyAnswer, (event, id: unknown, answer: unknown) => {
      if (typeof id !== 'number' || !isTrustedSender(event)) return;
      this.pending.get(id)?.(answer === true);
    });
  }

  ask(contents: WebContents, question: DirtyQuestion, timeoutMs?: number): Promise<boolean | null> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const gone = () => settle(null);
      const timer = timeoutMs === undefined ? undefined : setTimeout(gone, timeoutMs);
      const settle = (answer: boolean | null) => {
        clearTimeout(timer);
        this.pending.delete(id);
        contents.off('destroyed', gone);
        contents.off('render-process-gone', gone);
        resolve(answer);
      };
      this.pending.set(id, settle);
      contents.once('destroyed', gone);
      contents.once('render-process-gone', gone);
      contents.send(ipcChannels.queryDirty, id, question);
    });
  }
}
