import type { TrainConfig } from '../../../shared/run';
import { plain } from '../util/clone';
import type { PlanFacts } from './experimentPlan';
import { useDatasetStore } from './dataset';
import { useFreezeStore } from './freeze';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';
import { useProjectOwnerStore } from './projectOwner';
import { useTrainConfigStore } from './trainConfig';

/** the Train step's hyper-parameters, with an experiment's own settings over them */
export function formConfig(over: Partial<TrainConfig> = {}): TrainConfig {
  return { ...(plain(useTrainConfigStore().config) as TrainConfig), ...over };
}

/**
 * What every job starts from, read from the stores: the scanned data and its split, the
 * model and its cut, the hyper-parameters, and the project it belongs to. Null, and said
 * under `context`, when there is no scan or no model yet.
 */
export function jobInput(context: string, over: Partial<TrainConfig> = {}) {
  const dataset = useDatasetStore();
  const model = useModelStore();
  if (!dataset.scan || !model.source) {
    useNoticeStore().report(new Error('Scan a dataset and choose a model first.'), context);
    return null;
  }
  return {
    dataset: dataset.scan.root,
    split: { ...dataset.split },
    source: model.source,
    cut: useFreezeStore().cut,
    config: formConfig(over),
    owner: { ...useProjectOwnerStore().owner },
  };
}

/**
 * What the stores know now of what a planned run would be made with (experimentPlan.ts
 * decides). Read as asked: a run with no scan reads neither the model nor the cut.
 */
export function planFacts(): PlanFacts {
  const dataset = useDatasetStore();
  return {
    scan: dataset.scan,
    splitChanged: dataset.splitChanged,
    get source() {
      return useModelStore().source;
    },
    get inspection() {
      return useModelStore().inspection;
    },
    get effectiveCut() {
      return useFreezeStore().effectiveCut;
    },
  };
}
