import type { BrowserWindow, WebContents, WebFrameMain } from 'electron';
import { isAppUrl } from '../appFiles';

export interface SenderEvent {
  sender: WebContents;
  senderFrame: WebFrameMain | null;
}

/**
 * The one check every message from a renderer passes: it comes from our window's top frame,
 * and that frame shows the app (its index.html, or the dev server). A frame the app did not
 * load, or a frame already navigated away or gone, is refused.
 */
export function isTrustedSender(event: SenderEvent, window: BrowserWindow | null, entry: URL): boolean {
  // by id: the same page may reach main through more than one wrapper object
  if (!window || window.isDestroyed() || event.sender.id !== window.webContents.id) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isAppUrl(frame.url, entry);
}
