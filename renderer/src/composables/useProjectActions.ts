import { useRouter } from 'vue-router';
import { isStepId } from '../router/steps';
import { useProjectStore } from '../stores/project';
import { useUiStore } from '../stores/ui';
import { usePicker } from './usePicker';

/**
 * Save, Save As and Open, the same from the title bar, Ctrl+S, the start page and the desktop
 * app's menu. Each says whether it happened: main asks before closing a window with changes.
 */
export function useProjectActions() {
  const project = useProjectStore();
  const ui = useUiStore();
  const picker = usePicker();
  const router = useRouter();

  async function saveAs(): Promise<boolean> {
    const r = await picker.native('save', 'Save project as', project.file);
    if (r === 'fallback') {
      // the web page's own dialog: it saves when the user confirms
      ui.openSaveAs();
      return false;
    }
    return r ? project.saveAs(r) : false;
  }

  async function save(): Promise<boolean> {
    if (project.saving) return false;
    const r = await project.save();
    return r === 'needs-file' ? saveAs() : r;
  }

  async function open(file?: string): Promise<boolean> {
    const path: string | null | 'fallback' = file ?? (await picker.native('open', 'Open project', project.file));
    if (path === 'fallback') {
      // the start page has the path field and the folder browser for it
      await router.push('/');
      return false;
    }
    if (!path || !(await project.open(path))) return false;
    await router.push(`/${isStepId(project.step) ? project.step : 'dataset'}`);
    return true;
  }

  async function newProject(): Promise<void> {
    await project.newProject();
    await router.push('/dataset');
  }

  return { save, saveAs, open, newProject };
}
