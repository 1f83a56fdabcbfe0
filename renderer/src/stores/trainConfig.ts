import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import { defaultTrainConfig, type HeadConfig, type TrainConfig } from '../../../shared/run';
import { plain } from '../util/clone';

/**
 * The Train step's hyper-parameters: a leaf store that the freeze plan, the training job and
 * the project document read, and that imports no other store (stores point one way).
 */
export const useTrainConfigStore = defineStore('trainConfig', () => {
  const config = ref<TrainConfig>(plain(defaultTrainConfig));

  function setConfig(patch: Partial<Omit<TrainConfig, 'head'>>): void {
    config.value = { ...config.value, ...patch };
  }

  function setHead(patch: Partial<HeadConfig>): void {
    config.value = { ...config.value, head: { ...config.value.head, ...patch } };
  }

  function restoreConfig(c: TrainConfig): void {
    config.value = plain(c);
  }

  return { config: readonly(config), setConfig, setHead, restoreConfig };
});
