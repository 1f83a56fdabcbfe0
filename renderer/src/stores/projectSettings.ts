import { plain } from '../util/clone';
import { useDatasetStore } from './dataset';
import { useFreezeStore } from './freeze';
import { useModelStore } from './model';
import type { ProjectState } from './projectDocument';
import { useTrainConfigStore } from './trainConfig';

/** the part of a project the other stores hold: the dataset and split, the model, the cut, the hyper-parameters */
export type ProjectSettings = Pick<ProjectState, 'dataset' | 'model' | 'freeze' | 'training'>;

/** the settings as the stores hold them now */
export function currentSettings(): ProjectSettings {
  const dataset = useDatasetStore();
  const model = useModelStore();
  return {
    dataset: dataset.root ? { root: dataset.root, split: { ...dataset.split } } : null,
    model: model.source ? { source: model.source } : null,
    freeze: { cut: useFreezeStore().cut },
    training: plain(useTrainConfigStore().config) as ProjectState['training'],
  };
}

/**
 * Every store put back as a project describes it. The model load and the rescan (unless
 * `rescan` is off: the folder is missing) go on in the background; the answer settles when
 * both are done.
 */
export function restoreSettings(s: ProjectSettings, rescan: boolean): Promise<unknown> {
  const dataset = useDatasetStore();
  if (s.dataset) dataset.restore(s.dataset);
  else dataset.reset();
  useFreezeStore().restore(s.model?.source ?? null, s.freeze.cut);
  useTrainConfigStore().restoreConfig(s.training);
  const pending: Promise<unknown>[] = [useModelStore().restore(s.model?.source ?? null)];
  if (s.dataset && rescan) pending.push(dataset.scanFolder(s.dataset.root));
  return Promise.all(pending);
}
