import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import { api, isDesktop, onConnectionChange, type ConnectionState } from '../api/client';
import type { AppInfo } from '../api/types';
import { useNoticeStore } from './notices';

/** Facts about the engine this window talks to: host, backend, machine, and the link itself. */
export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const loading = ref(false);
  const connection = ref<ConnectionState>('connecting');
  const desktop = isDesktop();

  onConnectionChange((s) => {
    connection.value = s;
  });

  async function loadInfo(): Promise<void> {
    loading.value = true;
    try {
      info.value = await api.call('app.info', {});
    } catch (e) {
      useNoticeStore().report(e, 'Connecting to the engine');
    } finally {
      loading.value = false;
    }
  }

  return { info: readonly(info), loading: readonly(loading), connection: readonly(connection), desktop, loadInfo };
});
