// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { newProject } from '../../../shared/project';
import { useNoticeStore } from '../stores/notices';
import { useProjectStore } from '../stores/project';
import { useUiStore } from '../stores/ui';
import { anyRouter } from '../testing/anyRouter';
import { sampleRun } from '../testing/fixtures';
import { emit, handle, playDesktop, resetApi, sent } from '../testing/mockApi';
import { useAppCommands } from './useAppCommands';

vi.mock('../api/client', () => import('../testing/mockApi'));

/** the window's commands, as App.vue takes them, on a router at `at`; unmounted after each test, so no test's keys reach another's */
const hosts: { unmount(): void }[] = [];
afterEach(() => {
  for (const w of hosts.splice(0)) w.unmount();
});

async function mountHost(at = '/') {
  const router = anyRouter();
  await router.push(at);
  const host = defineComponent({
    setup() {
      useAppCommands();
      return () => null;
    },
  });
  const w = mount(host, { global: { plugins: [router] } });
  hosts.push(w);
  await flushPromises();
  return { w, router };
}

/** a key as the window gets it; true when the page took it (the browser's own action prevented) */
async function press(key: string, o: { shift?: boolean } = {}): Promise<boolean> {
  const e = new KeyboardEvent('keydown', { key, ctrlKey: true, shiftKey: o.shift ?? false, bubbles: true, cancelable: true });
  window.dispatchEvent(e);
  await flushPromises();
  return e.defaultPrevented;
}

describe("the desktop app's menu commands", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
    playDesktop(true);
    handle('shell.open', () => ({}));
    handle('project.open', ({ file }) => ({ file, project: newProject('Pets'), datasetMissing: false }));
    handle('project.recent', () => ({ entries: [] }));
  });

  it('File → Show in Folder shows the saved project in the file manager; an unsaved one says to save it first', async () => {
    const { w } = await mountHost();
    emit('app.command', { command: 'reveal' });
    await flushPromises();
    expect(sent('shell.open')).toEqual([]);
    expect(useNoticeStore().notices.map((n) => n.message)).toContain('The project is not saved yet, so it is in no folder: save it first (File → Save).');
    await useProjectStore().open('/home/ana/pets.tlab');
    emit('app.command', { command: 'reveal' });
    await flushPromises();
    expect(sent('shell.open')).toEqual([{ path: '/home/ana/pets.tlab', how: 'reveal' }]);
    w.unmount();
  });

  it('the menu sends the same commands the keys do', async () => {
    const { router } = await mountHost('/train');
    emit('app.command', { command: 'export' });
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/export');
  });
});

describe("the File menu's keys in the page", () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('in a browser: Ctrl+O opens Browse for a project file, Ctrl+E to Export, Ctrl+S saves (Save As for a project with no file); Ctrl+N stays the browser’s', async () => {
    const { w, router } = await mountHost('/train');
    expect(await press('o')).toBe(true);
    // the start page, asked to open its Browse for a project file (StartPage.test)
    expect(router.currentRoute.value.fullPath).toBe('/?open=browse');
    expect(await press('e')).toBe(true);
    expect(router.currentRoute.value.path).toBe('/export');
    useProjectStore().addRun('/work/runs/run-1', sampleRun('run-1'));
    expect(await press('s')).toBe(true);
    expect(useUiStore().saveAsRequest).not.toBeNull();
    expect(await press('n')).toBe(false);
    w.unmount();
    // and none once the window is gone
    await router.push('/train');
    expect(await press('o')).toBe(false);
    expect(router.currentRoute.value.path).toBe('/train');
  });
});
