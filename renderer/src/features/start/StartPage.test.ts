// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { newProject } from '../../../../shared/project';
import { useProjectStore } from '../../stores/project';
import { useUiStore } from '../../stores/ui';
import { sampleRun } from '../../testing/fixtures';
import { fail, handle, resetApi, sent } from '../../testing/mockApi';
import { mountStep } from '../../testing/mountStep';
import StartPage from './StartPage.vue';

vi.mock('../../api/client', () => import('../../testing/mockApi'));

const pets = { file: '/lab/pets.tlab', name: 'Pets', openedAt: '2026-01-02T10:00:00Z', missing: false };
const gone = { file: '/lab/old.tlab', name: 'Old', openedAt: '2026-01-01T10:00:00Z', missing: true };

describe('the Start page', () => {
  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
    setActivePinia(createPinia());
    resetApi();
    handle('project.recent', () => ({ entries: [pets, gone] }));
    handle('project.finishedRuns', () => ({ runs: [] }));
  });

  it('lists the recent projects the engine keeps (one whose file is gone says so and cannot be clicked), or says why there are none', async () => {
    const { w } = await mountStep(StartPage, '/');
    expect(w.get('[data-testid="recent-Pets"]').text()).toContain('/lab/pets.tlab');
    const old = w.get('[data-testid="recent-Old"]');
    expect(old.text()).toContain('file missing');
    expect(old.attributes('disabled')).toBeDefined();
    // an engine that keeps no list: the page says why
    fail('project.recent', { code: 'UNSUPPORTED', message: 'project.recent is not available here.' });
    const none = await mountStep(StartPage, '/');
    expect(none.w.get('[data-testid="recent-projects"]').text()).toContain('Recent projects are not available here: project.recent is not available here.');
  });

  it('opens a recent project with a click and goes to the step it was saved on', async () => {
    handle('project.open', ({ file }) => ({ file, project: { ...newProject('Pets'), ui: { step: 'train' } }, datasetMissing: false }));
    const { w, router } = await mountStep(StartPage, '/');
    await w.get('[data-testid="recent-Pets"]').trigger('click');
    await flushPromises();
    expect(sent('project.open')).toEqual([{ file: '/lab/pets.tlab' }]);
    expect(router.currentRoute.value.path).toBe('/train');
  });

  it("the Open button waits for a path; Enter opens it, and the engine's refusal is shown and the page stays", async () => {
    fail('project.open', { code: 'PROJECT_INVALID', message: '/lab/x.tlab is not a Transfer Lab project.', hint: 'Choose a .tlab file.' });
    const { w, router } = await mountStep(StartPage, '/');
    expect(w.get('[data-testid="open-project-button"]').attributes('disabled')).toBeDefined();
    await w.get('[data-testid="open-project-path"]').setValue('  /lab/x.tlab ');
    expect(w.get('[data-testid="open-project-button"]').attributes('disabled')).toBeUndefined();
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(sent('project.open')).toEqual([{ file: '/lab/x.tlab' }]);
    expect(w.get('[data-testid="error-message"]').text()).toBe('/lab/x.tlab is not a Transfer Lab project.');
    expect(router.currentRoute.value.path).toBe('/');
  });

  it('offers to continue the work in this window once there is some, on the step it was on', async () => {
    const project = useProjectStore();
    const { w, router } = await mountStep(StartPage, '/');
    expect(w.find('[data-testid="continue-project"]').exists()).toBe(false);
    project.addRun('/runs/run-1', sampleRun());
    project.setStep('evaluate');
    await flushPromises();
    await w.get('[data-testid="continue-project"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/evaluate');
  });

  it('New project starts on the dataset step; over unsaved work it asks first, and Cancel keeps the work', async () => {
    const project = useProjectStore();
    project.addRun('/runs/run-1', sampleRun());
    const { w, router } = await mountStep(StartPage, '/');
    await w.get('[data-testid="new-project"]').trigger('click');
    await flushPromises();
    const ui = useUiStore();
    expect(ui.unsavedQuestion?.name).toBe(project.name);
    ui.answerUnsaved('cancel');
    await flushPromises();
    expect(project.runs).toHaveLength(1);
    expect(router.currentRoute.value.path).toBe('/');
    await w.get('[data-testid="new-project"]').trigger('click');
    await flushPromises();
    ui.answerUnsaved('discard');
    await flushPromises();
    expect(project.runs).toHaveLength(0);
    expect(router.currentRoute.value.path).toBe('/dataset');
  });

  it("lists a closed tab's unsaved work: Recover takes it up on its step, Discard forgets it", async () => {
    const before = useProjectStore();
    before.addRun('/runs/run-1', sampleRun());
    before.setStep('evaluate');
    before.saveDraft();
    // another tab: its own session, the same browser
    sessionStorage.clear();
    setActivePinia(createPinia());
    handle('run.read', ({ runDir }) => sampleRun(runDir.split('/').pop()));
    const { w, router } = await mountStep(StartPage, '/');
    const drafts = w.get('[data-testid="recoverable-drafts"]');
    expect(drafts.text()).toContain('never saved · 1 run');
    const name = before.name;
    await w.get(`[data-testid="recover-${name}"]`).trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/evaluate');
    expect(useProjectStore().runs.map((r) => r.record.id)).toEqual(['run-1']);

    setActivePinia(createPinia());
    sessionStorage.clear();
    const again = await mountStep(StartPage, '/');
    await again.w.get(`[data-testid="discard-draft-${name}"]`).trigger('click');
    expect(again.w.find('[data-testid="recoverable-drafts"]').exists()).toBe(false);
  });

  it('File → Open (Ctrl+O) in a browser opens Browse for a project file here, where it only came to this page', async () => {
    handle('fs.list', ({ path }) => ({
      path: path ?? '/lab',
      parent: '/',
      entries: [{ name: 'pets.tlab', kind: 'file' as const, image: false }],
      places: [],
    }));
    handle('project.open', ({ file }) => ({ file, project: { ...newProject('Pets'), ui: { step: 'evaluate' } }, datasetMissing: false }));
    const { w, router } = await mountStep(StartPage, '/?open=browse');
    await flushPromises();
    expect(w.find('[data-testid="folder-browser"]').exists()).toBe(true);
    // the address no longer asks for it: a reload does not open it again
    expect(router.currentRoute.value.fullPath).toBe('/');
    await w.get('[data-testid="browser-entry-pets.tlab"]').trigger('dblclick');
    await flushPromises();
    expect(sent('project.open')).toEqual([{ file: '/lab/pets.tlab' }]);
    expect(router.currentRoute.value.path).toBe('/evaluate');
  });
});
