import type { BrowserWindow } from 'electron';
import type { EventName, EventPayload } from '../../shared/contract';
import type { EventEnvelope } from '../../shared/envelope';
import { ipcChannels } from '../../shared/ipcChannels';
import type { AppCommand } from './menu';

/**
 * Main's one way to talk to the window. Engine events go out as they come (a page that is
 * still loading picks up a running job with train.current); app commands — a project
 * double-clicked before the window was ready — wait until the page has loaded.
 */
export class RendererLink {
  private win: BrowserWindow | null = null;
  private loaded = false;
  private queued: AppCommand[] = [];

  attach(win: BrowserWindow): void {
    this.win = win;
    this.loaded = false;
    win.webContents.on('did-start-loading', () => {
      this.loaded = false;
    });
    win.webContents.on('did-finish-load', () => {
      this.loaded = true;
      const queued = this.queued;
      this.queued = [];
      for (const c of queued) this.send('app.command', c);
    });
    win.on('closed', () => {
      if (this.win === win) this.win = null;
    });
  }

  window(): BrowserWindow | null {
    return this.win && !this.win.isDestroyed() ? this.win : null;
  }

  send<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const win = this.window();
    if (win && this.loaded) win.webContents.send(ipcChannels.event, { type: 'event', name, payload } satisfies EventEnvelope);
  }

  command(c: AppCommand): void {
    if (this.window() && this.loaded) this.send('app.command', c);
    else this.queued.push(c);
    this.focus();
  }

  focus(): void {
    const win = this.window();
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  }
}
