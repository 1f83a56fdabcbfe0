import { Menu, type MenuItemConstructorOptions } from 'electron';
import type { EventPayload, RecentProject, RequestOutput } from '../../shared/contract';
import { appearances } from '../../shared/appearance';
import { acceleratorOf } from '../../shared/shortcuts';
import type { EngineCaller } from './ipc/router';

export type AppCommand = EventPayload<'app.command'>;

export interface MenuOptions {
  command(c: AppCommand): void;
  recent: readonly RecentProject[];
  isMac: boolean;
  /** reload and developer tools, for `npm run dev` only */
  devTools: boolean;
}

/**
 * The application menu. The renderer owns the project, so File's items only send it an
 * `app.command`; it decides (unsaved changes, which dialog). Quit goes through the window's
 * close, so it asks about unsaved changes too.
 */
export function menuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const send = (command: AppCommand['command']) => () => o.command({ command });
  const recent: MenuItemConstructorOptions[] = o.recent.length
    ? o.recent.slice(0, 10).map((r) => ({ label: r.name, sublabel: r.file, enabled: !r.missing, click: () => o.command({ command: 'open', file: r.file }) }))
    : [{ label: 'No recent projects', enabled: false }];
  const file: MenuItemConstructorOptions[] = [
    { label: '&New', accelerator: acceleratorOf('new'), click: send('new') },
    { label: '&Open…', accelerator: acceleratorOf('open'), click: send('open') },
    { label: 'Open &Recent', submenu: recent },
    { type: 'separator' },
    { label: '&Save', accelerator: acceleratorOf('save'), click: send('save') },
    { label: 'Save &As…', accelerator: acceleratorOf('saveAs'), click: send('saveAs') },
    { label: 'Show in &Folder', click: send('reveal') },
    { type: 'separator' },
    { label: '&Export model…', accelerator: acceleratorOf('export'), click: send('export') },
    ...(o.isMac ? [] : [{ type: 'separator' as const }, { label: '&Quit', role: 'quit' as const }]),
  ];
  const appearance: MenuItemConstructorOptions[] = appearances.map((a) => ({
    label: a === 'system' ? 'As the &System' : a === 'light' ? '&Light' : '&Dark',
    click: () => o.command({ command: 'appearance', appearance: a }),
  }));
  const devTools: MenuItemConstructorOptions[] = o.devTools ? [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] : [];
  return [
    ...(o.isMac ? [{ role: 'appMenu' as const }] : []),
    { label: '&File', submenu: file },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        ...devTools,
        { label: '&Appearance', submenu: appearance },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: '&Help', role: 'help', submenu: [{ label: '&About Transfer Lab', click: send('about') }] },
  ];
}

/** The installed menu, rebuilt when the engine's recent-projects list changes. */
export class AppMenu {
  private recent: readonly RecentProject[] = [];

  constructor(private readonly o: Omit<MenuOptions, 'recent'> & { engine: EngineCaller }) {}

  install(): void {
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ ...this.o, recent: this.recent })));
  }

  async refreshRecent(): Promise<void> {
    const reply = await this.o.engine.call('project.recent', {});
    if (!reply.ok) return;
    this.recent = (reply.result as RequestOutput<'project.recent'>).entries;
    this.install();
  }
}
