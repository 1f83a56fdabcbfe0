import { onBeforeUnmount } from 'vue';
import { useRouter } from 'vue-router';
import { api, isDesktop, onDirtyQuery } from '../api/client';
import type { EventPayload } from '../../../shared/contract';
import { shortcutCommand } from '../../../shared/shortcuts';
import { useAppearanceStore } from '../stores/appearance';
import { useProjectStore } from '../stores/project';
import { useNoticeStore } from '../stores/notices';
import { useUiStore } from '../stores/ui';
import { useShellOpen } from './useShellOpen';
import { useProjectActions } from './useProjectActions';

type AppCommand = EventPayload<'app.command'>;

/**
 * The desktop app's side of the window: menu items and files opened from the OS arrive as
 * `app.command` events, and main asks about unsaved changes before it closes the window.
 * In a browser neither ever happens; the File menu's keys work in both (the page answers them).
 */
export function useAppCommands(): void {
  const actions = useProjectActions();
  const project = useProjectStore();
  const ui = useUiStore();
  const appearance = useAppearanceStore();
  const router = useRouter();
  const shell = useShellOpen();

  function run(c: AppCommand): void {
    switch (c.command) {
      case 'new':
        void actions.newProject();
        break;
      case 'open':
        void actions.open(c.file);
        break;
      case 'save':
        void actions.save();
        break;
      case 'saveAs':
        void actions.saveAs();
        break;
      case 'reveal':
        if (project.file) void shell.reveal(project.file);
        else useNoticeStore().inform('The project is not saved yet, so it is in no folder: save it first (File → Save).', 'Show in folder');
        break;
      case 'export':
        void router.push('/export');
        break;
      case 'about':
        ui.openAbout();
        break;
      case 'appearance':
        if (c.appearance) appearance.choose(c.appearance);
        break;
    }
  }
  const offCommand = api.on('app.command', run);
  // the File menu's keys, answered by the page: in a browser there is no menu of ours (shared/shortcuts.ts)
  const where = isDesktop() ? 'desktop' : 'browser';
  function onKey(e: KeyboardEvent): void {
    const command = shortcutCommand(e, where);
    if (!command) return;
    e.preventDefault();
    run({ command });
  }
  window.addEventListener('keydown', onKey);
  const offDirty = onDirtyQuery({ isDirty: () => project.dirty, save: () => actions.save() });

  onBeforeUnmount(() => {
    window.removeEventListener('keydown', onKey);
    offCommand();
    offDirty();
  });
}
