import type { Preprocessing } from '../../../shared/preprocessing';
import { appVersion } from '../../../shared/version';
import type { ProjectFile } from '../api/types';
import { plain } from '../util/clone';
import { useAppStore } from './app';
import { useDatasetStore } from './dataset';
import { useModelStore } from './model';
import type { SaveContext } from './projectFile';

/**
 * What the project file needs beyond the stores' ProjectState: the model as the engine
 * described it (or as the file last recorded it, or the catalog), the dataset's classes as
 * last scanned, and what the file carried that the renderer does not edit.
 */
export function currentSaveContext(base: Omit<ProjectFile, 'runs'> | null): SaveContext {
  const dataset = useDatasetStore();
  const model = useModelStore();
  const source = model.source;
  const i = model.ready ? model.inspection : null;
  const entry = model.catalogEntry;
  const info = i
    ? { name: i.name, format: i.format, preprocessing: plain(i.preprocessing) as Preprocessing }
    : base?.model && base.model.source === source
      ? { name: base.model.name, format: base.model.format, preprocessing: base.model.preprocessing }
      : entry
        ? { name: entry.name, format: entry.format, preprocessing: plain(entry.preprocessing) as Preprocessing }
        : null;
  const classes = dataset.scan ? [...dataset.scan.classes] : base?.dataset && base.dataset.path === dataset.root ? base.dataset.classes : [];
  return { base: base ? { ...base, runs: [] } : null, appVersion: useAppStore().info?.version ?? appVersion, classes, model: info };
}
