import { withProjectExtension } from '../../shared/project';
import { dialog, type BrowserWindow, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import type { Handlers } from '../../shared/rpc';

type DialogHandlers = Pick<Handlers, 'dialog.pickFolder' | 'dialog.pickProjectFile'>;

const projectFilters = [{ name: 'Transfer Lab project', extensions: ['tlab'] }];

/** The native dialogs of the contract, modal to the app's window. Cancelling answers `path: null`. */
export function dialogHandlers(window: () => BrowserWindow | null): DialogHandlers {
  const open = async (options: OpenDialogOptions) => {
    const win = window();
    const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return { path: r.canceled ? null : (r.filePaths[0] ?? null) };
  };
  const save = async (options: SaveDialogOptions) => {
    const win = window();
    const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return { path: r.canceled || !r.filePath ? null : r.filePath };
  };
  return {
    'dialog.pickFolder': async ({ title, defaultPath }) =>
      open({ title: title ?? 'Choose a folder of images', properties: ['openDirectory', 'createDirectory'], ...(defaultPath ? { defaultPath } : {}) }),
    'dialog.pickProjectFile': async ({ mode, defaultPath }) => {
      const at = defaultPath ? { defaultPath } : {};
      if (mode === 'open') return open({ title: 'Open project', properties: ['openFile'], filters: projectFilters, ...at });
      const r = await save({ title: 'Save project', filters: projectFilters, properties: ['showOverwriteConfirmation', 'createDirectory'], ...at });
      // GTK's save dialog does not add the filter's extension; the file must end in .tlab to open again
      return { path: r.path ? withProjectExtension(r.path) : r.path };
    },
  };
}
