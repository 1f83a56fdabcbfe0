import type { EventPayload } from './contract';

export type AppCommandName = EventPayload<'app.command'>['command'];

/**
 * The File menu's keys, kept once: the desktop app's menu shows them as its accelerators, and the
 * page answers them itself, so they work in the web host too, where the browser has no menu of
 * ours. New has none in a browser: Ctrl+N is the browser's own new window, which a page cannot
 * take.
 */
export const shortcuts = [
  { command: 'new', key: 'n', shift: false, inBrowser: false },
  { command: 'open', key: 'o', shift: false, inBrowser: true },
  { command: 'save', key: 's', shift: false, inBrowser: true },
  { command: 'saveAs', key: 's', shift: true, inBrowser: true },
  { command: 'export', key: 'e', shift: false, inBrowser: true },
] as const satisfies readonly { command: AppCommandName; key: string; shift: boolean; inBrowser: boolean }[];

/** "CmdOrCtrl+Shift+S": the accelerator of a menu item, as Electron writes it */
export function acceleratorOf(command: AppCommandName): string | undefined {
  const s = shortcuts.find((x) => x.command === command);
  return s ? `CmdOrCtrl+${s.shift ? 'Shift+' : ''}${s.key.toUpperCase()}` : undefined;
}

/** the command a key press asks for (Ctrl, or ⌘ on a Mac, with the key), or null */
export function shortcutCommand(
  e: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean },
  where: 'desktop' | 'browser',
): AppCommandName | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  const key = e.key.toLowerCase();
  const s = shortcuts.find((x) => x.key === key && x.shift === e.shiftKey && (where === 'desktop' || x.inBrowser));
  return s?.command ?? null;
}
