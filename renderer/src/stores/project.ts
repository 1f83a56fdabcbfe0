import { defineStore } from 'pinia';
import { computed, readonly, ref, shallowRef } from 'vue';
import type { ProjectOwner } from '../../../shared/contract';
import { api, isDesktop } from '../api/client';
import type { ProjectFile } from '../api/types';
import { plain } from '../util/clone';
import { useNoticeStore } from './notices';
import { createProjectContent } from './projectContent';
import { emptyState, nameOnSave, signatureOf, type ProjectState } from './projectDocument';
import { draftState, newDraftId, readDraft, removeDraft, thisTabDraft, writeDraft, type Draft } from './projectDrafts';
import { fromProjectFile, toProjectFile, type SaveContext } from './projectFile';
import { useProjectOwnerStore } from './projectOwner';
import { joinedMessage, lastForm, rereadRuns, runsFinishedElsewhere, withSavedDirs } from './projectRuns';
import { currentSaveContext } from './projectSaveContext';
import { restoreSettings } from './projectSettings';
import { useRecentProjectsStore } from './recentProjects';
import { useTrainConfigStore } from './trainConfig';
import { useTrainingStore, type FinishedRun } from './training';

/**
 * The project: a name, notes, the runs so far, and the file it lives in. The other stores hold
 * the dataset, model, cut and hyper-parameters (projectSettings.ts reads and restores them);
 * projectContent.ts holds what the project holds itself and assembles the two into one
 * document (projectDocument.ts). This store opens, saves and restores it, and knows whether it
 * changed since the last save; its runs and the lab's progress follow projectRuns.ts and projectLab.ts.
 *
 * Each project a window opens gets a draft id: its work is kept under it in the browser
 * (projectDrafts.ts), and jobs it starts carry it with the file (`owner`), so a run that ends
 * while no window shows the project joins it when it is opened or its draft restored.
 */
export const useProjectStore = defineStore('project', () => {
  const identity = useProjectOwnerStore();
  const trainConfig = useTrainConfigStore();
  const draftId = computed(() => identity.draftId);
  useNoticeStore().enterProject(draftId.value);
  const file = computed(() => identity.file);
  const content = createProjectContent();
  const { name, runs, state, addRun, addLabRun } = content;
  /** the file as last opened or saved: what the renderer does not edit is kept from it */
  const base = shallowRef<Omit<ProjectFile, 'runs'> | null>(null);
  const savedSignature = ref<string | null>(null);
  const saving = ref(false);
  const opening = ref(false);

  const signature = computed(() => signatureOf(state.value));
  /** a project never saved counts as changed once it holds anything */
  const dirty = computed(() => signature.value !== (savedSignature.value ?? signatureOf(emptyState())));
  const title = computed(() => `${dirty.value ? '● ' : ''}${name.value} — Transfer Lab`);
  /** who this project is to the engine: the jobs it starts carry this */
  const owner = computed<ProjectOwner>(() => identity.owner);
  /** whether a job started by `o` is this project's */
  const owns = (o: ProjectOwner): boolean => identity.owns(o);

  function saveContext(): SaveContext {
    return currentSaveContext(base.value);
  }

  /** the job store's finished runs (this project's) join it, a lab task's with its task: the arrow points from here to training */
  useTrainingStore().onRunFinished((f: FinishedRun) => {
    addRun(f.runDir, f.run);
    if (f.labTask) addLabRun(f.labTask, f.run.id);
  });

  /** the rescan and model load a restore started; the window moves on while they run */
  let loading: Promise<unknown> = Promise.resolve();
  /** the Train settings as the last restore put them: a later change is the user's own */
  let hydratedConfig = '';

  /** every store put in the state a project describes; scanning and model loading follow in the background */
  function hydrate(s: ProjectState, where: string | null, saved: string | null, id: string, rescan = true): void {
    // the project this window showed is saved or given up: its draft has nothing left to recover
    if (id !== draftId.value) removeDraft(draftId.value);
    identity.enter(id, where);
    useNoticeStore().enterProject(id);
    content.put(s);
    loading = restoreSettings(s, rescan);
    hydratedConfig = JSON.stringify(trainConfig.config);
    savedSignature.value = saved;
    // the job's curves show only beside the project that started it
    void useTrainingStore().followProject();
  }

  /** resolves once the last restore's rescan and model load are done (tests, scripts) */
  function settled(): Promise<unknown> {
    return loading;
  }

  async function newProject(): Promise<void> {
    base.value = null;
    hydrate(emptyState(), null, null, newDraftId());
  }

  async function open(path: string): Promise<boolean> {
    opening.value = true;
    try {
      const r = await api.call('project.open', { file: path });
      const s = fromProjectFile(r.project);
      const { runs: _runs, ...rest } = r.project;
      base.value = rest;
      hydrate(s, r.file, signatureOf(s), newDraftId(), !r.datasetMissing);
      useNoticeStore().resolve('Opening the project');
      if (r.datasetMissing && s.dataset) {
        useNoticeStore().report(
          {
            code: 'DATASET_NOT_FOUND',
            message: `The project's dataset folder ${s.dataset.root} is missing.`,
            hint: 'Choose the folder again in step 1; the rest of the project is kept.',
          },
          'Opening the project',
          { scope: 'project' },
        );
      }
      await joinFinishedRuns();
      void useRecentProjectsStore().load();
      return true;
    } catch (e) {
      useNoticeStore().report(e, 'Opening the project');
      return false;
    } finally {
      opening.value = false;
    }
  }

  /** the project as its file would hold it now: what the lab report is written from */
  function document(): ProjectFile {
    return plain(toProjectFile(state.value, saveContext())) as ProjectFile;
  }

  async function saveAs(path: string): Promise<boolean> {
    const target = path.trim();
    if (!target) return false;
    saving.value = true;
    // an untitled project takes its file's name the first time it is saved
    const nameBefore = name.value;
    name.value = nameOnSave(name.value, target);
    try {
      const sent = signature.value;
      const r = await api.call('project.save', { file: target, project: plain(toProjectFile(state.value, saveContext())), owner: { ...owner.value } });
      // saving copies new runs beside the project: follow them there
      runs.value = withSavedDirs(runs.value, r.project.runs);
      const { runs: _runs, ...rest } = r.project;
      base.value = rest;
      identity.setFile(r.file);
      savedSignature.value = sent;
      useNoticeStore().resolve('Saving the project');
      void useRecentProjectsStore().load();
      return true;
    } catch (e) {
      name.value = nameBefore;
      useNoticeStore().report(e, 'Saving the project');
      return false;
    } finally {
      saving.value = false;
    }
  }

  /** 'needs-file' when the project has no file yet: the caller asks where (Save As) */
  async function save(): Promise<boolean | 'needs-file'> {
    if (!file.value) return 'needs-file';
    return saveAs(file.value);
  }

  /**
   * Runs of this project that finished while no window showed it (the browser was closed
   * during a run) join it: the project becomes dirty, the Train step's settings go back to
   * the ones those runs started with, and a notice says to save.
   */
  async function joinFinishedRuns(): Promise<void> {
    const found = await runsFinishedElsewhere(
      owner.value,
      runs.value.map((run) => run.record.id),
    );
    if (!found.length) return;
    for (const run of found) addRun(run.runDir, run.record);
    const form = lastForm(found);
    // settings the user changed while the project was opening are theirs: kept
    if (form && JSON.stringify(trainConfig.config) === hydratedConfig) trainConfig.restoreConfig(form);
    useNoticeStore().inform(joinedMessage(found.length), 'Runs added', { scope: 'project' });
  }

  function saveDraft(): void {
    writeDraft({
      id: draftId.value,
      file: file.value,
      savedSignature: savedSignature.value,
      dirty: dirty.value,
      savedAt: new Date().toISOString(),
      state: draftState(state.value),
      base: base.value,
    });
  }

  async function restore(draft: Draft): Promise<void> {
    const read = await rereadRuns(draft.state.runs);
    base.value = draft.base;
    hydrate({ ...draft.state, runs: read }, draft.file, draft.savedSignature, draft.id);
    await joinFinishedRuns();
  }

  /** after a reload: this tab's work, each run re-read from its folder */
  async function restoreDraft(): Promise<boolean> {
    const draft = thisTabDraft();
    if (!draft) return false;
    await restore(draft);
    return true;
  }

  /** takes up unsaved work the Start page offered (projectDrafts.ts); the caller asks first about this window's */
  async function recoverDraft(id: string): Promise<boolean> {
    const draft = readDraft(id);
    if (!draft) return false;
    await restore(draft);
    return true;
  }

  /**
   * A run taken out of the project: the engine is told, so it never hands the run back as one
   * that finished while the project was closed. Its folder stays on disk. Returns what undoes
   * it (until the project is saved, nothing is written anyway).
   */
  function removeRun(id: string): (() => void) | null {
    const undo = content.removeRun(id);
    if (undo) void api.call('project.forgetRuns', { runIds: [id] }).catch((e: unknown) => useNoticeStore().report(e, 'Removing a run'));
    return undo;
  }

  return {
    file,
    name: readonly(name),
    notes: readonly(content.notes),
    lab: readonly(content.lab),
    document,
    startLab: content.startLab,
    setLabAnswer: content.setLabAnswer,
    setLabTask: content.setLabTask,
    addLabRun,
    runs: readonly(runs),
    step: readonly(content.step),
    saving: readonly(saving),
    opening: readonly(opening),
    desktop: isDesktop(),
    state,
    dirty,
    title,
    setName: content.setName,
    setNotes: content.setNotes,
    setStep: content.setStep,
    addRun,
    removeRun,
    newProject,
    open,
    save,
    saveAs,
    saveDraft,
    restoreDraft,
    owner,
    owns,
    draftId,
    recoverDraft,
    settled,
  };
});
