import { defineStore } from 'pinia';
import { computed, ref, watchEffect } from 'vue';

import { appearances, type Appearance } from '../../../shared/appearance';

export type { Appearance } from '../../../shared/appearance';

/** The choice is this machine's, not a project's: it lives in the page's storage. */
export const appearanceKey = 'transfer-lab.appearance';

const isAppearance = (v: unknown): v is Appearance => typeof v === 'string' && (appearances as readonly string[]).includes(v);

function stored(): Appearance {
  try {
    const v = globalThis.localStorage?.getItem(appearanceKey);
    return isAppearance(v) ? v : 'system';
  } catch {
    return 'system';
  }
}

/**
 * The window's appearance. It sets `data-theme` on the root element, which the stylesheet's
 * palette and the charts' colours follow, and follows the system's own setting live while the
 * choice is `system` (GNOME's dark style, in the desktop app and in a browser alike).
 */
export const useAppearanceStore = defineStore('appearance', () => {
  const preference = ref<Appearance>(stored());
  const query = typeof globalThis.matchMedia === 'function' ? globalThis.matchMedia('(prefers-color-scheme: dark)') : null;
  const systemDark = ref(query?.matches ?? false);
  query?.addEventListener('change', (e) => (systemDark.value = e.matches));

  const dark = computed(() => preference.value === 'dark' || (preference.value === 'system' && systemDark.value));

  watchEffect(() => {
    if (typeof document !== 'undefined') document.documentElement.dataset.theme = dark.value ? 'dark' : 'light';
  });

  function choose(p: Appearance): void {
    if (!isAppearance(p)) return;
    preference.value = p;
    try {
      globalThis.localStorage?.setItem(appearanceKey, p);
    } catch {
      // storage refused (a private window): the choice holds until the page closes
    }
  }

  /** what the title bar's button goes to: system → light → dark → system */
  const next = computed(() => appearances[(appearances.indexOf(preference.value) + 1) % appearances.length]!);
  function cycle(): void {
    choose(next.value);
  }

  return { preference, dark, next, choose, cycle };
});
