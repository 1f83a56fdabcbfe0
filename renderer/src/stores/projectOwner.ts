import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import type { ProjectOwner } from '../../../shared/contract';
import { newDraftId } from './projectDrafts';

/**
 * Who the open project is to the engine: its draft id and its file. A leaf store (it imports
 * no other store): the project store sets it, the training store stamps the jobs it starts with
 * it and asks it whether a job is this project's, so training never imports the project.
 */
export const useProjectOwnerStore = defineStore('projectOwner', () => {
  const draftId = ref(newDraftId());
  const file = ref<string | null>(null);
  const owner = computed<ProjectOwner>(() => ({ draftId: draftId.value, file: file.value }));

  /** whether a job started by `o` is this project's */
  function owns(o: ProjectOwner): boolean {
    return o.draftId === draftId.value || (o.file !== null && o.file === file.value);
  }

  function enter(id: string, where: string | null): void {
    draftId.value = id;
    file.value = where;
  }

  function setFile(where: string | null): void {
    file.value = where;
  }

  return { draftId: readonly(draftId), file: readonly(file), owner, owns, enter, setFile };
});
