import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import { api } from '../api/client';
import type { RecentProject } from '../api/types';

/** The Start page's recent projects, as the engine keeps them. */
export const useRecentProjectsStore = defineStore('recentProjects', () => {
  const entries = ref<RecentProject[]>([]);
  const loading = ref(false);
  /** why the list is unavailable (e.g. an engine without project files) */
  const unavailable = ref<string | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      entries.value = (await api.call('project.recent', {})).entries;
      unavailable.value = null;
    } catch (e) {
      entries.value = [];
      unavailable.value = e instanceof Error ? e.message : String(e);
    } finally {
      loading.value = false;
    }
  }

  return { entries: readonly(entries), loading: readonly(loading), unavailable: readonly(unavailable), load };
});
