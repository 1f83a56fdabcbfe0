import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import { api } from '../api/client';
import type { ExportResult } from '../api/types';
import { useNoticeStore } from './notices';

/**
 * The export step: the trained classifier written to a folder, and the parity check that
 * runs the exported files on the test images and compares them with the engine's answers.
 */
export const useExportStore = defineStore('export', () => {
  const dest = ref('');
  const parity = ref(true);
  const exporting = ref(false);
  const result = ref<(ExportResult & { runId: string }) | null>(null);

  function setDest(d: string): void {
    dest.value = d;
  }
  function setParity(p: boolean): void {
    parity.value = p;
  }

  async function exportRun(run: { runDir: string; id: string }): Promise<boolean> {
    const target = dest.value.trim();
    if (!target) {
      useNoticeStore().report(new Error('Choose a destination folder: a new or empty one.'), 'Exporting the model');
      return false;
    }
    exporting.value = true;
    result.value = null;
    try {
      result.value = { ...(await api.call('run.export', { runDir: run.runDir, dest: target, parity: parity.value })), runId: run.id };
      return true;
    } catch (e) {
      useNoticeStore().report(e, 'Exporting the model');
      return false;
    } finally {
      exporting.value = false;
    }
  }

  return { dest: readonly(dest), parity: readonly(parity), exporting: readonly(exporting), result: readonly(result), setDest, setParity, exportRun };
});
