import { electronMock } from './test/electronMock';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { events } from '../../shared/contract';
import { AppMenu, menuTemplate, type AppCommand } from './menu';

const find = (items: MenuItemConstructorOptions[], label: string) => items.find((i) => i.label?.replace('&', '') === label);
const submenu = (item: MenuItemConstructorOptions | undefined) => item?.submenu as MenuItemConstructorOptions[];
const click = (item: MenuItemConstructorOptions | undefined) => (item?.click as () => void)();

describe('the application menu', () => {
  const recent = [
    { file: '/home/u/flowers.tlab', name: 'flowers', openedAt: '2026-11-01T10:00:00Z', missing: false },
    { file: '/mnt/usb/birds.tlab', name: 'birds', openedAt: '2026-10-01T10:00:00Z', missing: true },
  ];

  it('sends File’s and Help’s items to the renderer as app commands', () => {
    const sent: AppCommand[] = [];
    const menu = menuTemplate({ command: (c) => sent.push(c), recent, isMac: false, devTools: false });
    const file = submenu(find(menu, 'File'));
    for (const label of ['New', 'Open…', 'Save', 'Save As…', 'Show in Folder', 'Export model…']) click(find(file, label));
    click(find(submenu(find(menu, 'Help')), 'About Transfer Lab'));
    expect(sent.map((c) => c.command)).toEqual(['new', 'open', 'save', 'saveAs', 'reveal', 'export', 'about']);
    expect(find(file, 'Quit')?.role).toBe('quit');
    // the keys the page answers too (shared/shortcuts.ts), shown beside the items
    expect(['New', 'Open…', 'Save', 'Save As…', 'Export model…'].map((l) => find(file, l)?.accelerator)).toEqual([
      'CmdOrCtrl+N',
      'CmdOrCtrl+O',
      'CmdOrCtrl+S',
      'CmdOrCtrl+Shift+S',
      'CmdOrCtrl+E',
    ]);
  });

  it('lists recent projects, opening the one chosen; a missing one is greyed out', () => {
    const command = vi.fn();
    const items = submenu(find(submenu(find(menuTemplate({ command, recent, isMac: false, devTools: false }), 'File')), 'Open Recent'));
    expect(items.map((i) => [i.label, i.enabled])).toEqual([
      ['flowers', true],
      ['birds', false],
    ]);
    click(items[0]);
    expect(command).toHaveBeenCalledWith({ command: 'open', file: '/home/u/flowers.tlab' });
    const none = submenu(find(submenu(find(menuTemplate({ command, recent: [], isMac: false, devTools: false }), 'File')), 'Open Recent'));
    expect(none).toEqual([{ label: 'No recent projects', enabled: false }]);
  });

  it('sets the appearance from View: as the system, light or dark, each parsed by the contract', () => {
    const sent: AppCommand[] = [];
    const view = submenu(find(menuTemplate({ command: (c) => sent.push(c), recent, isMac: false, devTools: false }), 'View'));
    const items = submenu(find(view, 'Appearance'));
    expect(items.map((i) => i.label?.replace('&', ''))).toEqual(['As the System', 'Light', 'Dark']);
    for (const i of items) click(i);
    expect(sent.map((c) => events['app.command'].parse(c).appearance)).toEqual(['system', 'light', 'dark']);
  });

  it('offers developer tools only in development', () => {
    const roles = (devTools: boolean) => submenu(find(menuTemplate({ command: vi.fn(), recent: [], isMac: false, devTools }), 'View')).map((i) => i.role);
    expect(roles(true)).toContain('toggleDevTools');
    expect(roles(false)).not.toContain('toggleDevTools');
  });

  it('rebuilds itself from the engine’s recent-projects list', async () => {
    const engine = { call: vi.fn(async () => ({ ok: true as const, result: { entries: recent } })) };
    await new AppMenu({ command: vi.fn(), engine, isMac: false, devTools: false }).refreshRecent();
    expect(engine.call).toHaveBeenCalledWith('project.recent', {});
    const installed = electronMock.Menu.setApplicationMenu.mock.lastCall?.[0] as MenuItemConstructorOptions[];
    expect(submenu(find(submenu(find(installed, 'File')), 'Open Recent'))).toHaveLength(2);
  });
});
