import { onBeforeUnmount } from 'vue';
import { useRouter } from 'vue-router';
import { api, onDirtyQuery } from '../api/client';
import { useAppearanceStore } from '../stores/appearance';
import { useProjectStore } from '../stores/project';
import { useNoticeStore } from '../stores/notices';
import { useUiStore } from '../stores/ui';
import { useShellOpen } from './useShellOpen';
import { useProjectActions } from './useProjectActions';

/**
 * The desktop app's side of the window: menu items and files opened from the OS arrive as
 * `app.command` events, and main asks about unsaved changes before it closes the window.
 * In a browser neither ever happens.
 */
export function useAppCommands(): void {
  const actions = useProjectActions();
  const project = useProjectStore();
  const ui = useUiStore();
  const appearance = useAppearanceStore();
  const router = useRouter();
  const shell = useShellOpen();

  const offCommand = api.on('app.command', (c) => {
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
  });
  const offDirty = onDirtyQuery({ isDirty: () => project.dirty, save: () => actions.save() });

  onBeforeUnmount(() => {
    offCommand();
    offDirty();
  });
}
