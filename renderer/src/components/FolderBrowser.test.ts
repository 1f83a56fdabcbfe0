// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { handle, resetApi, sent } from '../testing/mockApi';
import FolderBrowser from './FolderBrowser.vue';

vi.mock('../api/client', () => import('../testing/mockApi'));

const places = [
  { kind: 'home' as const, path: '/home/ada' },
  { kind: 'dataset' as const, path: '/data/flowers' },
  { kind: 'project' as const, path: '/home/ada/labs' },
];

describe('FolderBrowser', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    resetApi();
    handle('fs.list', ({ path }) => ({ path: path ?? '/home/ada', parent: '/', entries: [{ name: 'roses', kind: 'dir', image: false }], places }));
  });

  it('offers home and the folders the user chose as places, and goes there in one click', async () => {
    const w = mount(FolderBrowser, { props: { title: 'Dataset folder' } });
    await flushPromises();
    const shown = w.findAll('[data-testid="browser-places"] button').map((b) => b.text());
    expect(shown).toEqual(['Home', 'flowersDataset', 'labsProjects']);
    await w.get('[data-testid="browser-place-dataset"]').trigger('click');
    await flushPromises();
    expect(sent('fs.list').at(-1)).toEqual({ path: '/data/flowers' });
    expect(w.get('[data-testid="browser-path"]').element).toHaveProperty('value', '/data/flowers');
  });
});
