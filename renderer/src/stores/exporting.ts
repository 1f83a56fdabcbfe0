import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import { api } from '../api/client';
import type { ExportFormat, ExportResult } from '../api/types';
import { useNoticeStore } from './notices';

/**
 * The export step: the trained classifier written to a folder, and the parity check that
 * runs the exported files on the test images and compares them with the engine's answers.
 */
export const useExportStore = defineStore('export', () => {
  const dest = ref('');
  const parity = ref(true);
  /** what to write: the TF.js model, model.onnx (for TensorRT and other runtimes), or both */
  const formats = ref<ExportFormat[]>(['tfjs', 'onnx']);
  const exporting = ref(false);
  const result = ref<(ExportResult & { runId: string }) | null>(null);

  function setDest(d: string): void {
    dest.value = d;
  }
  function setParity(p: boolean): void {
    parity.value = p;
  }
  function setFormat(f: ExportFormat, on: boolean): void {
    const next = new Set(formats.value);
    if (on) next.add(f);
    else next.delete(f);
    formats.value = (['tfjs', 'onnx'] as const).filter((x) => next.has(x));
  }

  async function exportRun(run: { runDir: string; id: string }): Promise<boolean> {
    const target = dest.value.trim();
    if (!target) {
      useNoticeStore().report(new Error('Choose a destination folder: a new or empty one.'), 'Exporting the model');
      return false;
    }
    if (formats.value.length === 0) {
      useNoticeStore().report(new Error('Choose at least one format: TF.js, ONNX or both.'), 'Exporting the model');
      return false;
    }
    exporting.value = true;
    result.value = null;
    try {
      result.value = {
        ...(await api.call('run.export', { runDir: run.runDir, dest: target, parity: parity.value, formats: [...formats.value] })),
        runId: run.id,
      };
      return true;
    } catch (e) {
      useNoticeStore().report(e, 'Exporting the model');
      return false;
    } finally {
      exporting.value = false;
    }
  }

  return {
    dest: readonly(dest),
    parity: readonly(parity),
    formats: readonly(formats),
    exporting: readonly(exporting),
    result: readonly(result),
    setDest,
    setParity,
    setFormat,
    exportRun,
  };
});
