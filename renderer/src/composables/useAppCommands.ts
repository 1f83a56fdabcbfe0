import { onBeforeUnmount } from 'vue';
import { useRouter } from 'vue-router';
import { api, onDirtyQuery } from '../api/client';
import { useAppearanceStore } from '../stores/appearance';
import { useProjectStore } from '../stores/project';
import { useUiStore } from '../stores/ui';
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
