// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { useProjectStore } from '../stores/project';
import { useUiStore } from '../stores/ui';
import { emit, playDesktop, resetApi } from '../testing/mockApi';
import { sampleRun } from '../testing/fixtures';
import { useAppCommands } from './useAppCommands';

vi.mock('../api/client', () => import('../testing/mockApi'));

const Shell = defineComponent({
  setup() {
    useAppCommands();
    return () => h('div');
  },
});

async function mountShell() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { render: () => null } },
      { path: '/:step', component: { render: () => null } },
    ],
  });
  await router.push('/train');
  const w = mount(Shell, { global: { plugins: [router] } });
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

describe("the File menu's keys in the page", () => {
  beforeEach(() => {
    resetApi();
    setActivePinia(createPinia());
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('in a browser: Ctrl+O goes to the projects, Ctrl+E to Export, Ctrl+S saves (Save As for a project with no file); Ctrl+N stays the browser’s', async () => {
    const { w, router } = await mountShell();
    expect(await press('o')).toBe(true);
    expect(router.currentRoute.value.path).toBe('/');
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

  it('the menu sends the same commands in the desktop app', async () => {
    playDesktop(true);
    const { router } = await mountShell();
    emit('app.command', { command: 'export' });
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/export');
  });
});
