// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { appearanceKey, useAppearanceStore } from './appearance';

/** a stand-in for the system's setting, which the test can change while the page is open */
function systemScheme(dark: boolean) {
  const listeners: ((e: { matches: boolean }) => void)[] = [];
  const query = {
    matches: dark,
    addEventListener: (_: string, l: (e: { matches: boolean }) => void) => listeners.push(l),
  };
  vi.stubGlobal('matchMedia', (q: string) => {
    expect(q).toBe('(prefers-color-scheme: dark)');
    return query;
  });
  return (next: boolean) => {
    query.matches = next;
    for (const l of listeners) l({ matches: next });
  };
}

describe('appearance', () => {
  beforeEach(() => {
    localStorage.clear();
    delete document.documentElement.dataset.theme;
    setActivePinia(createPinia());
  });
  afterEach(() => vi.unstubAllGlobals());

  it('follows the system by default, and live as the system changes', async () => {
    const setSystem = systemScheme(true);
    const a = useAppearanceStore();
    expect(a.preference).toBe('system');
    expect(a.dark).toBe(true);
    expect(document.documentElement.dataset.theme).toBe('dark');
    setSystem(false);
    await nextTick();
    expect(a.dark).toBe(false);
    expect(document.documentElement.dataset.theme).toBe('light');
  });

  it('keeps a choice over the system, across a reload', async () => {
    const setSystem = systemScheme(false);
    const a = useAppearanceStore();
    a.choose('dark');
    await nextTick();
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem(appearanceKey)).toBe('dark');
    setSystem(false);
    await nextTick();
    expect(a.dark).toBe(true);

    setActivePinia(createPinia());
    const again = useAppearanceStore();
    expect(again.preference).toBe('dark');
    expect(again.dark).toBe(true);
  });

  it('cycles system → light → dark → system, and ignores what it does not know', () => {
    systemScheme(true);
    const a = useAppearanceStore();
    const seen = [a.preference];
    for (let i = 0; i < 3; i++) {
      a.cycle();
      seen.push(a.preference);
    }
    expect(seen).toEqual(['system', 'light', 'dark', 'system']);
    a.choose('sepia' as never);
    expect(a.preference).toBe('system');
    localStorage.setItem(appearanceKey, 'sepia');
    setActivePinia(createPinia());
    expect(useAppearanceStore().preference).toBe('system');
  });
});
