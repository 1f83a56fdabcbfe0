import { api, isDesktop } from '../api/client';
import { useNoticeStore } from '../stores/notices';

/**
 * What the desktop app does with a file it wrote: open a report in the system's viewer, or show
 * a file or folder in the file manager. A web page has no such reach into the engine's machine
 * (it may be another machine), so there `available` is false and the buttons are not drawn.
 */
export function useShellOpen() {
  const available = isDesktop();
  async function go(path: string, how: 'open' | 'reveal'): Promise<void> {
    try {
      await api.call('shell.open', { path, how });
    } catch (e) {
      useNoticeStore().report(e, how === 'open' ? `Opening ${path}` : `Showing ${path} in the file manager`);
    }
  }
  return { available, open: (path: string) => go(path, 'open'), reveal: (path: string) => go(path, 'reveal') };
}
