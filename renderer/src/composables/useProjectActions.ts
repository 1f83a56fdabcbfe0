import { useRouter } from 'vue-router';
import { isStepId } from '../router/steps';
import { useProjectStore } from '../stores/project';
import { useUiStore } from '../stores/ui';
import { usePicker } from './usePicker';

/**
 * Save, Save As, Open and New, the same from the title bar, Ctrl+S, the start page and the
 * desktop app's menu. Each says whether it happened. Nothing replaces a project with unsaved
 * changes before the user has answered "Save changes to <name>?" (keepOrDiscardChanges).
 */
export function useProjectActions() {
  const project = useProjectStore();
  const ui = useUiStore();
  const picker = usePicker();
  const router = useRouter();

  async function saveAs(): Promise<boolean> {
    const r = await picker.native('save', 'Save project as', project.file);
    // the web page's own dialog: resolves once it saved, or was closed without
    if (r === 'fallback') return ui.askSaveAs();
    return r ? project.saveAs(r) : false;
  }

  async function save(): Promise<boolean> {
    if (project.saving) return false;
    const r = await project.save();
    return r === 'needs-file' ? saveAs() : r;
  }

  /**
   * True when the open project may be replaced: it has no unsaved changes, the user chose
   * Don't save, or chose Save and it was saved (through Save As where it has no file yet).
   */
  async function keepOrDiscardChanges(): Promise<boolean> {
    if (!project.dirty) return true;
    const choice = await ui.askUnsaved(project.name);
    if (choice === 'cancel') return false;
    if (choice === 'discard') return true;
    return save();
  }

  async function open(file?: string): Promise<boolean> {
    const path: string | null | 'fallback' = file ?? (await picker.native('open', 'Open project', project.file));
    if (path === 'fallback') {
      // no dialog of the system's in a browser: the start page opens its own browser for a project file
      await router.push({ path: '/', query: { open: 'browse' } });
      return false;
    }
    if (!path || !(await keepOrDiscardChanges()) || !(await project.open(path))) return false;
    await router.push(`/${isStepId(project.step) ? project.step : 'dataset'}`);
    return true;
  }

  async function newProject(): Promise<boolean> {
    if (!(await keepOrDiscardChanges())) return false;
    await project.newProject();
    await router.push('/dataset');
    return true;
  }

  /** takes up unsaved work kept in the browser (a closed tab's, or another tab's) */
  async function recover(draftId: string): Promise<boolean> {
    if (!(await keepOrDiscardChanges()) || !(await project.recoverDraft(draftId))) return false;
    await router.push(`/${isStepId(project.step) ? project.step : 'dataset'}`);
    return true;
  }

  return { save, saveAs, open, newProject, recover, keepOrDiscardChanges };
}
