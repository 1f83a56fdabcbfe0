import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import type { SplitFractions } from '../../../shared/dataset';
import type { FeatureMap } from '../../../shared/featureMap';
import { api } from '../api/client';
import { useNoticeStore } from './notices';

/** a map: being placed, drawn, or not drawn (the banner says why) */
export type FeatureMapState = { status: 'mapping'; done?: number; total?: number } | { status: 'drawn'; map: FeatureMap } | { status: 'failed' };

/** what a map is of: a saved run (what its head is given), or a cut being weighed before any run */
export type FeatureMapTarget =
  { kind: 'run'; id: string; runDir: string } | { kind: 'cut'; root: string; split: SplitFractions; source: string; cut: string | null };

/** one key a map: a run by its id; a cut by everything its features depend on */
export function featureMapKey(t: FeatureMapTarget): string {
  return t.kind === 'run' ? `run:${t.id}` : `cut:${JSON.stringify([t.source, t.cut, t.root, t.split.val, t.split.test])}`;
}

const context = 'Drawing the feature map';

/**
 * The feature maps drawn while the app is open, by target: a map is derived from a run (or a
 * cut) and the cached features, so it is drawn again when asked, never saved.
 */
export const useFeatureMapStore = defineStore('featureMaps', () => {
  const byKey = ref<Record<string, FeatureMapState>>({});
  // the images a map extracts first: its bar fills as they come (a map from the cache sends none)
  api.on('featureMap.progress', (p) => {
    if (byKey.value[p.progressId]?.status !== 'mapping') return;
    byKey.value = { ...byKey.value, [p.progressId]: { status: 'mapping', done: p.done, total: p.total } };
  });

  async function draw(target: FeatureMapTarget): Promise<void> {
    const key = featureMapKey(target);
    if (byKey.value[key]?.status === 'mapping') return;
    byKey.value = { ...byKey.value, [key]: { status: 'mapping' } };
    try {
      const map =
        target.kind === 'run'
          ? await api.call('run.featureMap', { runDir: target.runDir, progressId: key })
          : await api.call('dataset.featureMap', { root: target.root, split: target.split, source: target.source, cut: target.cut, progressId: key });
      byKey.value = { ...byKey.value, [key]: { status: 'drawn', map } };
      useNoticeStore().resolve(context);
    } catch (e) {
      byKey.value = { ...byKey.value, [key]: { status: 'failed' } };
      useNoticeStore().report(e, context);
    }
  }

  /** where the live camera's frame lands on a run's map (by the map's key), while the camera runs */
  const live = ref<{ key: string; x: number; y: number } | null>(null);
  function placeLive(key: string | null, point?: { x: number; y: number }): void {
    live.value = key && point ? { key, x: point.x, y: point.y } : null;
  }

  return { byKey: readonly(byKey), draw, live: readonly(live), placeLive };
});
