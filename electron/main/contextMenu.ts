import { Menu, type ContextMenuParams, type MenuItemConstructorOptions, type WebContents } from 'electron';

/**
 * What a right-click offers, as in any desktop app: in a field (a folder's path, a lab answer,
 * the notes), undo, redo, cut, copy, paste and select all, each greyed out where it cannot act;
 * on selected text elsewhere, copy. Electron shows no menu of its own, so a right-click did
 * nothing. The roles do the work, in the focused page.
 */
export function contextMenuTemplate(p: Pick<ContextMenuParams, 'isEditable' | 'selectionText' | 'editFlags'>): MenuItemConstructorOptions[] {
  if (p.isEditable) {
    const f = p.editFlags;
    return [
      { role: 'undo', enabled: f.canUndo },
      { role: 'redo', enabled: f.canRedo },
      { type: 'separator' },
      { role: 'cut', enabled: f.canCut },
      { role: 'copy', enabled: f.canCopy },
      { role: 'paste', enabled: f.canPaste },
      { type: 'separator' },
      { role: 'selectAll', enabled: f.canSelectAll },
    ];
  }
  return p.selectionText.trim() ? [{ role: 'copy' }] : [];
}

/** the menu on a right-click in this page, where there is one to show */
export function attachContextMenu(contents: Pick<WebContents, 'on'>): void {
  contents.on('context-menu', (_event, params) => {
    const template = contextMenuTemplate(params);
    if (template.length) Menu.buildFromTemplate(template).popup();
  });
}
