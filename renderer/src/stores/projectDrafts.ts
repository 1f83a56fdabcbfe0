import type { ProjectFile } from '../api/types';
import { plain } from '../util/clone';
import type { ProjectRun, ProjectState } from './projectDocument';

/**
 * A window's work kept in the browser between saves, so that neither a reload nor a closed
 * browser loses it. Each project a window has open is a draft under its own id in
 * localStorage (every tab of this browser sees it, and it outlives the browser); this tab
 * remembers which draft is its own in sessionStorage (a reload comes back to it). A draft
 * with unsaved changes that is not this tab's is offered on the Start page: a browser cannot
 * tell whether another tab still has it open, so taking it up there shares it with that tab.
 */
export interface Draft {
  id: string;
  file: string | null;
  savedSignature: string | null;
  /** whether it held unsaved changes when last written: only those are worth recovering */
  dirty: boolean;
  savedAt: string;
  state: Omit<ProjectState, 'runs'> & { runs: Omit<ProjectRun, 'record'>[] };
  base: Omit<ProjectFile, 'runs'> | null;
}

export type DraftSummary = Pick<Draft, 'id' | 'file' | 'savedAt'> & { name: string; runs: number };

const DRAFTS_KEY = 'transfer-lab-drafts';
const THIS_TAB_KEY = 'transfer-lab-draft-id';
/** the oldest go first: a browser's storage is small, and old work was recovered or abandoned */
const maxDrafts = 6;

export function newDraftId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `d${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
}

function readAll(): Record<string, Draft> {
  try {
    const parsed = JSON.parse(localStorage.getItem(DRAFTS_KEY) ?? '{}') as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, Draft>) : {};
  } catch {
    return {};
  }
}

function writeAll(drafts: Record<string, Draft>): void {
  const kept = Object.values(drafts)
    .sort((a, b) => b.savedAt.localeCompare(a.savedAt))
    .slice(0, maxDrafts);
  try {
    localStorage.setItem(DRAFTS_KEY, JSON.stringify(Object.fromEntries(kept.map((d) => [d.id, d]))));
  } catch {
    // a full or disabled storage costs only the recovery, never the work in the window
  }
}

/** a project's state as a draft keeps it: plain data, each run by its folder only (it is re-read on restore) */
export function draftState(state: ProjectState): Draft['state'] {
  const { runs, ...rest } = state;
  return plain({ ...rest, runs: runs.map(({ record: _r, ...run }) => run) });
}

export function writeDraft(draft: Draft): void {
  writeAll({ ...readAll(), [draft.id]: draft });
  try {
    sessionStorage.setItem(THIS_TAB_KEY, draft.id);
  } catch {
    // as above
  }
}

export function readDraft(id: string): Draft | null {
  return readAll()[id] ?? null;
}

/** this tab's own draft, after a reload */
export function thisTabDraft(): Draft | null {
  try {
    const id = sessionStorage.getItem(THIS_TAB_KEY);
    return id ? readDraft(id) : null;
  } catch {
    return null;
  }
}

export function removeDraft(id: string): void {
  const all = readAll();
  if (!(id in all)) return;
  delete all[id];
  writeAll(all);
}

/** drafts with unsaved work other than `exceptId`, newest first */
export function recoverableDrafts(exceptId: string): DraftSummary[] {
  return Object.values(readAll())
    .filter((d) => d.dirty && d.id !== exceptId)
    .sort((a, b) => b.savedAt.localeCompare(a.savedAt))
    .map((d) => ({ id: d.id, file: d.file, savedAt: d.savedAt, name: d.state.name, runs: d.state.runs.length }));
}
