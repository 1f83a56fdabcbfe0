import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import type { ExtractionMeasurement } from '../../../shared/extraction';
import type { CatalogEntry } from '../../../shared/model';
import { api } from '../api/client';
import type { DownloadProgress, ModelInspection } from '../api/types';
import { useNoticeStore } from './notices';

/**
 * The model step: the catalog of ImageNet backbones, and the one the user chose. `source` is
 * what the engine is given everywhere after (a catalog id, an address or a folder);
 * inspecting it downloads it once and lists its layers for the freeze step.
 */
export const useModelStore = defineStore('model', () => {
  const catalog = ref<CatalogEntry[]>([]);
  /** per source and cut, the extraction the bottleneck cache keeps (the same figure the runs and the report show) */
  const measured = ref<Record<string, Record<string, ExtractionMeasurement>>>({});
  const catalogLoading = ref(false);
  const source = ref<string | null>(null);
  const inspection = ref<ModelInspection | null>(null);
  const inspecting = ref<string | null>(null);
  const download = ref<DownloadProgress | null>(null);

  api.on('download.progress', (p) => {
    if (inspecting.value !== null && p.source === inspecting.value) download.value = p;
  });

  const catalogEntry = computed(() => catalog.value.find((e) => e.id === source.value) ?? null);
  const isGraph = computed(() => inspection.value?.format === 'graph');
  const ready = computed(() => inspection.value !== null && inspection.value.source === source.value);

  async function loadCatalog(): Promise<void> {
    if (catalogLoading.value) return;
    catalogLoading.value = true;
    try {
      const r = await api.call('models.catalog', {});
      catalog.value = r.entries;
      measured.value = r.measured;
    } catch (e) {
      useNoticeStore().report(e, 'Loading the model catalog');
    } finally {
      catalogLoading.value = false;
    }
  }

  /** resolve (download if needed) and describe the model; it becomes the chosen one on success */
  async function use(spec: string): Promise<boolean> {
    const wanted = spec.trim();
    if (!wanted) return false;
    inspecting.value = wanted;
    download.value = null;
    try {
      const r = await api.call('models.inspect', { source: wanted });
      inspection.value = r;
      source.value = wanted;
      return true;
    } catch (e) {
      useNoticeStore().report(e, `Loading the model ${wanted}`);
      return false;
    } finally {
      inspecting.value = null;
      download.value = null;
    }
  }

  /**
   * the extraction speed measured on this machine for a source, once a run has measured it: at
   * `cut` (the model's default) when measured there, else at the cut measured on most images
   */
  function measuredSpeed(spec: string, cut?: string | null): { cut: string; measurement: ExtractionMeasurement } | null {
    const byCut = measured.value[spec];
    if (!byCut) return null;
    if (cut && byCut[cut]) return { cut, measurement: byCut[cut] };
    const [other] = Object.entries(byCut).sort(([, a], [, b]) => b.images - a.images);
    return other ? { cut: other[0], measurement: other[1] } : null;
  }

  function reset(): void {
    source.value = null;
    inspection.value = null;
  }

  /** a project's model: chosen at once, so the project keeps it even if it fails to load */
  async function restore(spec: string | null): Promise<void> {
    source.value = spec;
    inspection.value = null;
    if (spec) await use(spec);
  }

  return {
    catalog: readonly(catalog),
    measured: readonly(measured),
    catalogLoading: readonly(catalogLoading),
    source: readonly(source),
    inspection: readonly(inspection),
    inspecting: readonly(inspecting),
    download: readonly(download),
    catalogEntry,
    isGraph,
    ready,
    loadCatalog,
    use,
    measuredSpeed,
    reset,
    restore,
  };
});
