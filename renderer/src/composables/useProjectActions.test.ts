// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { ProjectFile } from '../api/types';
import SaveAsDialog from '../components/SaveAsDialog.vue';
import UnsavedChangesDialog from '../components/UnsavedChangesDialog.vue';
import StartPage from '../features/start/StartPage.vue';
import { useDatasetStore } from '../stores/dataset';
import { useProjectStore } from '../stores/project';
import { useUiStore } from '../stores/ui';
import { useTabCloseGuard } from './useTabCloseGuard';
import { sampleInspection, sampleRun, sampleScan } from '../testing/fixtures';
import { handle, resetApi, sent } from '../testing/mockApi';
import { newProject as newProjectFile } from '../../../shared/project';

vi.mock('../api/client', () => import('../testing/mockApi'));

/** the start page with the app's two project dialogs, as App.vue renders them */
const Shell = defineComponent({
  setup() {
    const ui = useUiStore();
    return () => h('div', [h(StartPage), ui.unsavedQuestion ? h(UnsavedChangesDialog) : null, ui.saveAsRequest ? h(SaveAsDialog) : null]);
  },
});

const other: ProjectFile = { ...newProjectFile('Birds'), runs: [] };

async function mountShell() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { render: () => null } },
      { path: '/:step', component: { render: () => null } },
    ],
  });
  await router.push('/');
  const w = mount(Shell, { attachTo: document.body, global: { plugins: [router] } });
  await flushPromises();
  return { w, router };
}

/** a project with a trained run that was never saved: what "Recent" used to throw away */
async function unsavedWork() {
  const project = useProjectStore();
  await useDatasetStore().scanFolder('/data/pets');
  project.addRun('/work/runs/run-1', sampleRun('run-1'));
  expect(project.dirty).toBe(true);
  return project;
}

const dialog = () => document.querySelector<HTMLElement>('[data-testid="unsaved-dialog"]');
const click = async (testid: string) => {
  document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)!.click();
  await flushPromises();
};
const key = async (k: string) => {
  // the dialog takes the focus a tick after it opens (a busy machine has shown the key arrive first)
  if (dialog()) await vi.waitFor(() => expect(dialog()!.contains(document.activeElement)).toBe(true));
  (document.activeElement ?? dialog()!).dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
  await flushPromises();
};

describe('unsaved work is asked about before anything replaces it', () => {
  beforeEach(() => {
    resetApi();
    sessionStorage.clear();
    setActivePinia(createPinia());
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('dataset.scan', ({ path }) => sampleScan(path));
    handle('project.recent', () => ({ entries: [{ file: '/lab/birds.tlab', name: 'Birds', openedAt: '2026-01-01T00:00:00Z', missing: false }] }));
    handle('project.open', ({ file }) => ({ file, project: other, datasetMissing: false }));
    handle('project.save', ({ file, project }) => ({ file, project: project as ProjectFile }));
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('Recent: asks "Save changes to <name>?", and Cancel keeps the project and its run', async () => {
    const { w } = await mountShell();
    const project = await unsavedWork();
    await click('recent-Birds');
    expect(dialog()?.textContent).toContain('Save changes to Untitled project?');
    expect(sent('project.open')).toHaveLength(0);
    // focus starts on Save and stays inside
    expect(document.activeElement?.getAttribute('data-testid')).toBe('unsaved-save');
    await key('Tab');
    expect(dialog()!.contains(document.activeElement)).toBe(true);
    await click('unsaved-cancel');
    expect(dialog()).toBeNull();
    expect(sent('project.open')).toHaveLength(0);
    expect(project.runs.map((r) => r.record.id)).toEqual(['run-1']);
    expect(project.dirty).toBe(true);
    w.unmount();
  });

  it('Escape is Cancel', async () => {
    await mountShell();
    const project = await unsavedWork();
    await click('recent-Birds');
    await key('Escape');
    expect(dialog()).toBeNull();
    expect(sent('project.open')).toHaveLength(0);
    expect(project.runs).toHaveLength(1);
  });

  it('Don’t save opens the other project', async () => {
    const { router } = await mountShell();
    const project = await unsavedWork();
    await click('recent-Birds');
    await click('unsaved-discard');
    expect(sent('project.open')).toEqual([{ file: '/lab/birds.tlab' }]);
    expect(sent('project.save')).toHaveLength(0);
    expect(project.name).toBe('Birds');
    expect(router.currentRoute.value.path).toBe('/dataset');
  });

  it('Save (Enter) on a project never saved goes through Save As, and opens the other only once that saved', async () => {
    await mountShell();
    const project = await unsavedWork();
    await click('recent-Birds');
    await key('Enter');
    expect(dialog()).toBeNull();
    expect(document.querySelector('[data-testid="save-as-dialog"]')).not.toBeNull();
    // closing Save As without saving: nothing is opened, nothing is lost
    await click('save-as-cancel');
    expect(document.querySelector('[data-testid="save-as-dialog"]')).toBeNull();
    expect(sent('project.open')).toHaveLength(0);
    expect(project.runs).toHaveLength(1);

    await click('recent-Birds');
    await click('unsaved-save');
    const name = document.querySelector<HTMLInputElement>('[data-testid="save-as-name"]')!;
    name.value = 'pets.tlab';
    name.dispatchEvent(new Event('input'));
    await click('save-as-confirm');
    expect(sent('project.save').map((s) => s.file)).toEqual([expect.stringMatching(/pets\.tlab$/)]);
    expect(sent('project.save')[0]!.project.runs.map((r) => r.id)).toEqual(['run-1']);
    expect(sent('project.open')).toEqual([{ file: '/lab/birds.tlab' }]);
    expect(project.name).toBe('Birds');
  });

  it('Save on a project with a file saves it there, then opens the other', async () => {
    await mountShell();
    const project = await unsavedWork();
    expect(await project.saveAs('/lab/pets.tlab')).toBe(true);
    project.setNotes('changed since');
    await click('recent-Birds');
    await click('unsaved-save');
    expect(sent('project.save').map((s) => s.file)).toEqual(['/lab/pets.tlab', '/lab/pets.tlab']);
    expect(sent('project.open')).toHaveLength(1);
  });

  it('a new project asks too; a project without changes is replaced without a question', async () => {
    await mountShell();
    const project = await unsavedWork();
    await click('new-project');
    expect(dialog()).not.toBeNull();
    await click('unsaved-cancel');
    expect(project.runs).toHaveLength(1);
    await click('new-project');
    await click('unsaved-discard');
    expect(project.runs).toHaveLength(0);
    expect(project.dirty).toBe(false);
    await click('recent-Birds');
    expect(dialog()).toBeNull();
    expect(sent('project.open')).toHaveLength(1);
  });
});

describe('closing the browser tab', () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
    handle('dataset.scan', ({ path }) => sampleScan(path));
  });

  it('asks (beforeunload) while the project has unsaved changes, and not once it is saved', async () => {
    const w = mount(defineComponent({ setup: () => (useTabCloseGuard(), () => null) }));
    const leave = () => {
      const e = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    };
    expect(leave()).toBe(false);
    await useDatasetStore().scanFolder('/data/pets');
    expect(leave()).toBe(true);
    handle('project.save', ({ file, project }) => ({ file, project: project as ProjectFile }));
    await useProjectStore().saveAs('/lab/pets.tlab');
    expect(leave()).toBe(false);
    w.unmount();
  });
});
