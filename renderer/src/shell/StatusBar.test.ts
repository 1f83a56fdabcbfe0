// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { ExportResult } from '../api/types';
import { useExportStore } from '../stores/exporting';
import { handle, resetApi } from '../testing/mockApi';
import StatusBar from './StatusBar.vue';

vi.mock('../api/client', () => import('../testing/mockApi'));

describe('the status bar', () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });

  it('shows an export in progress, not "no job running", and links to it', async () => {
    let answer: (r: ExportResult) => void = () => undefined;
    handle('run.export', () => new Promise<ExportResult>((r) => (answer = r)));
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)', component: { render: () => null } }] });
    await router.push('/export');
    const w = mount(StatusBar, { global: { plugins: [router] } });
    expect(w.get('[data-testid="status-job"]').text()).toBe('no job running');
    const store = useExportStore();
    store.setDest('/tmp/out');
    const done = store.exportRun({ runDir: '/work/runs/r1', id: 'r1' });
    await flushPromises();
    expect(w.get('[data-testid="status-job"]').text()).toBe('exporting the model and checking it…');
    expect(w.get('[data-testid="status-job"]').attributes('href')).toBe('/export');
    answer({ dest: '/tmp/out', files: [], parity: null } as unknown as ExportResult);
    await done;
    await flushPromises();
    expect(w.get('[data-testid="status-job"]').text()).toBe('no job running');
  });
});
