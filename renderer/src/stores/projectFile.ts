import { defaultPreprocessing, type Preprocessing } from '../../../shared/preprocessing';
import type { ProjectFile } from '../api/types';
import type { ProjectState } from './projectDocument';
import { plain } from '../util/clone';

/**
 * Between the stores' ProjectState and the project file (shared/project.ts). Fields the
 * renderer does not edit (creation time, app version, fine-tuning depth) are carried over
 * from the file as it was last opened or saved.
 */
export interface SaveContext {
  base: ProjectFile | null;
  appVersion: string;
  /** the dataset's classes as last scanned */
  classes: string[];
  /** what the engine said the model is, or the file's record of it */
  model: { name: string; format: 'layers' | 'graph'; preprocessing: Preprocessing } | null;
  now?: Date;
}

export function toProjectFile(s: ProjectState, ctx: SaveContext): ProjectFile {
  const now = (ctx.now ?? new Date()).toISOString();
  return {
    formatVersion: 1,
    app: ctx.base?.app ?? { name: 'transfer-lab', version: ctx.appVersion },
    name: s.name,
    createdAt: ctx.base?.createdAt ?? now,
    updatedAt: now,
    dataset: s.dataset && { path: s.dataset.root, split: { ...s.dataset.split }, classes: [...ctx.classes] },
    model: s.model && { source: s.model.source, ...(ctx.model ?? { name: s.model.source, format: 'layers', preprocessing: defaultPreprocessing }) },
    freeze: { cut: s.freeze.cut, fineTuneLayers: ctx.base?.freeze.fineTuneLayers ?? 0 },
    training: s.training,
    runs: s.runs.map((r) => ({ ...r.record, weightsDir: r.runDir, ...(r.label ? { label: r.label } : {}), ...(r.notes ? { notes: r.notes } : {}) })),
    notes: s.notes,
    lab: s.lab ? plain(s.lab) : null,
    ui: { step: s.ui.step },
  };
}

export function fromProjectFile(p: ProjectFile): ProjectState {
  return {
    name: p.name,
    dataset: p.dataset && { root: p.dataset.path, split: { ...p.dataset.split } },
    model: p.model && { source: p.model.source },
    freeze: { cut: p.freeze.cut },
    training: p.training,
    runs: p.runs.map(({ weightsDir, label, notes, ...record }) => ({ runDir: weightsDir, record, ...(label ? { label } : {}), ...(notes ? { notes } : {}) })),
    notes: p.notes,
    lab: p.lab ?? null,
    ui: { step: p.ui.step },
  };
}
