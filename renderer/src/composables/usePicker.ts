import { ref } from 'vue';
import { projectFileExtension } from '../../../shared/project';
import { api, ApiError, isDesktop } from '../api/client';
import { useNoticeStore } from '../stores/notices';

export interface BrowseRequest {
  title: string;
  start: string | null;
  pick: 'folder' | 'file';
  extension?: string;
  resolve: (path: string | null) => void;
}

/**
 * Choosing a folder or a project file: the native dialog in the desktop app, the engine-side
 * folder browser in a web page (where dialog.* answers UNSUPPORTED). The caller renders
 * <FolderBrowser> while `browsing` is set.
 */
export function usePicker() {
  const browsing = ref<BrowseRequest | null>(null);

  async function native(kind: 'folder' | 'open' | 'save', title: string, start: string | null): Promise<string | null | 'fallback'> {
    if (!isDesktop()) return 'fallback';
    try {
      const defaultPath = start ?? undefined;
      const r =
        kind === 'folder'
          ? await api.call('dialog.pickFolder', { title, ...(defaultPath ? { defaultPath } : {}) })
          : await api.call('dialog.pickProjectFile', { mode: kind, ...(defaultPath ? { defaultPath } : {}) });
      return r.path;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'UNSUPPORTED') return 'fallback';
      useNoticeStore().report(e, title);
      return null;
    }
  }

  function browse(req: Omit<BrowseRequest, 'resolve'>): Promise<string | null> {
    return new Promise((resolve) => {
      browsing.value = { ...req, resolve };
    });
  }

  async function pickFolder(title: string, start: string | null): Promise<string | null> {
    const r = await native('folder', title, start);
    return r === 'fallback' ? browse({ title, start, pick: 'folder' }) : r;
  }

  async function pickProjectFile(title: string, start: string | null): Promise<string | null> {
    const r = await native('open', title, start);
    return r === 'fallback' ? browse({ title, start, pick: 'file', extension: projectFileExtension }) : r;
  }

  function settle(path: string | null): void {
    browsing.value?.resolve(path);
    browsing.value = null;
  }

  return { browsing, pickFolder, pickProjectFile, native, settle };
}
