import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import type { FeatureMap } from '../../../shared/featureMap';
import { api } from '../api/client';
import { useNoticeStore } from './notices';

/** a run's map: being placed, drawn, or not drawn (the banner says why) */
export type FeatureMapState = { status: 'mapping' } | { status: 'drawn'; map: FeatureMap } | { status: 'failed' };

/**
 * The Evaluate step's feature maps, one a run, kept while the app is open: a map is derived
 * from the run and its cached features, so it is drawn again when asked, never saved.
 */
const context = 'Drawing the feature map';

export const useFeatureMapStore = defineStore('featureMaps', () => {
  const byRun = ref<Record<string, FeatureMapState>>({});

  async function draw(run: { id: string; runDir: string }): Promise<void> {
    if (byRun.value[run.id]?.status === 'mapping') return;
    byRun.value = { ...byRun.value, [run.id]: { status: 'mapping' } };
    try {
      const map = await api.call('run.featureMap', { runDir: run.runDir });
      byRun.value = { ...byRun.value, [run.id]: { status: 'drawn', map } };
      useNoticeStore().resolve(context);
    } catch (e) {
      byRun.value = { ...byRun.value, [run.id]: { status: 'failed' } };
      useNoticeStore().report(e, context);
    }
  }

  return { byRun: readonly(byRun), draw };
});
