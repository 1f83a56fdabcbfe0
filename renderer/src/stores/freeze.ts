import { defineStore } from 'pinia';
import { computed, readonly, ref, watchEffect } from 'vue';
import type { RequestInput } from '../../../shared/contract';
import { api } from '../api/client';
import type { FreezePlan } from '../api/types';
import { useDatasetStore } from './dataset';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';
import { useTrainConfigStore } from './trainConfig';

/**
 * The freeze step: where the pre-trained network is cut. Everything up to the cut (the
 * bottleneck) stays frozen and runs once per image into the cache; everything after it is
 * thrown away and replaced by the small new head that training fits.
 */
export const useFreezeStore = defineStore('freeze', () => {
  const model = useModelStore();
  const dataset = useDatasetStore();
  /** the layer the user picked, with the model it belongs to: a cut names a layer of one model only */
  const chosen = ref<{ source: string; layer: string } | null>(null);
  /** null: the model's own default cut */
  const cut = computed(() => (chosen.value && chosen.value.source === model.source ? chosen.value.layer : null));
  const plan = ref<FreezePlan | null>(null);
  const planning = ref(false);
  const plannedFor = ref<string | null>(null);
  /** the settings the engine could not plan: not asked again by itself until they change (a click on a cut still asks) */
  const failedFor = ref<string | null>(null);
  let seq = 0;

  const request = computed<RequestInput<'freeze.plan'> | null>(() => {
    if (!model.ready || !model.source) return null;
    const config = useTrainConfigStore().config;
    return {
      source: model.source,
      cut: cut.value,
      // the head's size depends on the class count; before a scan, plan for the smallest
      classCount: Math.max(2, dataset.classCount),
      head: { hiddenUnits: config.head.hiddenUnits, dropout: config.head.dropout },
      batchSize: config.batchSize,
      fineTuneLayers: config.fineTuneLayers,
      ...(dataset.imageCount > 0 ? { images: dataset.imageCount } : {}),
    };
  });
  const stale = computed(() => request.value !== null && JSON.stringify(request.value) !== plannedFor.value);
  /** a plan is wanted for the settings as they are, none is on its way, and the engine has not refused these */
  const due = computed(() => stale.value && !planning.value && JSON.stringify(request.value) !== failedFor.value);
  const effectiveCut = computed(() => cut.value ?? (stale.value ? null : plan.value?.cut) ?? model.inspection?.defaultCut ?? null);
  const cutIndex = computed(() => model.inspection?.layers.findIndex((l) => l.name === effectiveCut.value) ?? -1);
  const cacheBytes = computed(() => (plan.value ? plan.value.cacheBytesPerImage * dataset.imageCount : null));
  const ready = computed(() => plan.value !== null && !stale.value);

  async function refreshPlan(): Promise<void> {
    const input = request.value;
    if (!input) return;
    const mine = ++seq;
    const key = JSON.stringify(input);
    planning.value = true;
    try {
      const r = await api.call('freeze.plan', input);
      // a newer click wins: answers can come back out of order
      if (mine === seq) {
        plan.value = r;
        plannedFor.value = key;
        failedFor.value = null;
        useNoticeStore().resolve('Planning the cut');
      }
    } catch (e) {
      if (mine === seq) {
        failedFor.value = key;
        useNoticeStore().report(e, 'Planning the cut');
      }
    } finally {
      if (mine === seq) planning.value = false;
    }
  }

  async function selectCut(name: string | null): Promise<void> {
    chosen.value = name && model.source ? { source: model.source, layer: name } : null;
    await refreshPlan();
  }

  /** a project's cut, for the model it will load (which may not be loaded yet) */
  function restore(source: string | null, layer: string | null): void {
    chosen.value = source && layer ? { source, layer } : null;
    plan.value = null;
    plannedFor.value = null;
  }

  return {
    cut,
    plan: readonly(plan),
    planning: readonly(planning),
    stale,
    due,
    effectiveCut,
    cutIndex,
    cacheBytes,
    ready,
    refreshPlan,
    selectCut,
    restore,
  };
});

/**
 * The freeze store, with its plan kept up to date while the calling component lives: the plan
 * follows the model, the cut, the class count, the head's size, the batch and the fine-tuned
 * layers, once per change (settings the engine refused are not asked again and again). The
 * Freeze step shows the whole plan; the Train form shows its training memory beside the batch
 * size that changes it.
 */
export function useFreshFreezePlan(): ReturnType<typeof useFreezeStore> {
  const freeze = useFreezeStore();
  watchEffect(() => {
    if (freeze.due) void freeze.refreshPlan();
  });
  return freeze;
}
