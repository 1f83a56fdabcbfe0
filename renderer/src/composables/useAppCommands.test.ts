// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { newProject } from '../../../shared/project';
import { useNoticeStore } from '../stores/notices';
import { useProjectStore } from '../stores/project';
import { emit, handle, playDesktop, resetApi, sent } from '../testing/mockApi';
import { useAppCommands } from './useAppCommands';

vi.mock('../api/client', async () => ({ ...(await import('../testing/mockApi')), onDirtyQuery: () => () => undefined }));

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
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: { render: () => null } }] });
    const host = defineComponent({
      setup() {
        useAppCommands();
        return () => null;
      },
    });
    const w = mount(host, { global: { plugins: [router] } });
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
});
