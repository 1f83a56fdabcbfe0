import { electronMock, fakeWindow } from './test/electronMock';
import type { ContextMenuParams } from 'electron';
import { describe, expect, it, type Mock } from 'vitest';
import { attachContextMenu, contextMenuTemplate } from './contextMenu';

const flags = { canUndo: false, canRedo: false, canCut: false, canCopy: false, canPaste: true, canSelectAll: true, canDelete: false, canEditRichly: false };
const at = (o: Partial<ContextMenuParams>) => ({ isEditable: false, selectionText: '', editFlags: flags, ...o }) as ContextMenuParams;

describe('a right-click in the window', () => {
  it('in a field: undo, redo, cut, copy, paste, select all, each enabled only where it can act', () => {
    const items = contextMenuTemplate(at({ isEditable: true }));
    expect(items.filter((i) => i.role).map((i) => [i.role, i.enabled])).toEqual([
      ['undo', false],
      ['redo', false],
      ['cut', false],
      ['copy', false],
      ['paste', true],
      ['selectAll', true],
    ]);
  });

  it('on selected text: copy; on nothing: no menu', () => {
    expect(contextMenuTemplate(at({ selectionText: 'test accuracy 42.5%' }))).toEqual([{ role: 'copy' }]);
    expect(contextMenuTemplate(at({ selectionText: '  ' }))).toEqual([]);
  });

  it('shows the menu where there is one (before, a right-click did nothing at all)', () => {
    const { webContents } = fakeWindow('app://transfer-lab/index.html');
    attachContextMenu(webContents as never);
    electronMock.Menu.buildFromTemplate.mockClear();
    webContents.emit('context-menu', {}, at({ isEditable: true }));
    const menu = electronMock.Menu.buildFromTemplate.mock.results[0]?.value as { popup: Mock };
    expect(menu.popup).toHaveBeenCalledOnce();
    webContents.emit('context-menu', {}, at({}));
    expect(electronMock.Menu.buildFromTemplate).toHaveBeenCalledOnce();
  });
});
