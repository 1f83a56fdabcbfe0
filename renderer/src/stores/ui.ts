import { defineStore } from 'pinia';
import { readonly, ref, shallowRef } from 'vue';

export type UnsavedChoice = 'save' | 'discard' | 'cancel';

/**
 * Window-level UI state that is not part of a project: which app dialog is open. The two
 * dialogs that decide what happens to the user's work (Save As in a web page, and "Save
 * changes?") are promises: whoever asked waits for the answer before anything moves on.
 */
export const useUiStore = defineStore('ui', () => {
  const saveAsRequest = shallowRef<{ resolve: (saved: boolean) => void } | null>(null);
  const unsavedQuestion = shallowRef<{ name: string; resolve: (choice: UnsavedChoice) => void } | null>(null);
  const aboutOpen = ref(false);

  /** opens the web page's Save As; resolves true once the project was saved, false when closed without */
  function askSaveAs(): Promise<boolean> {
    saveAsRequest.value?.resolve(false);
    return new Promise((resolve) => (saveAsRequest.value = { resolve }));
  }
  function closeSaveAs(saved = false): void {
    const r = saveAsRequest.value;
    saveAsRequest.value = null;
    r?.resolve(saved);
  }

  /** "Save changes to <name>?" — a second question while one is open cancels the first */
  function askUnsaved(name: string): Promise<UnsavedChoice> {
    unsavedQuestion.value?.resolve('cancel');
    return new Promise((resolve) => (unsavedQuestion.value = { name, resolve }));
  }
  function answerUnsaved(choice: UnsavedChoice): void {
    const q = unsavedQuestion.value;
    unsavedQuestion.value = null;
    q?.resolve(choice);
  }

  return {
    saveAsRequest: readonly(saveAsRequest),
    unsavedQuestion: readonly(unsavedQuestion),
    aboutOpen: readonly(aboutOpen),
    askSaveAs,
    closeSaveAs,
    askUnsaved,
    answerUnsaved,
    openAbout: () => void (aboutOpen.value = true),
    closeAbout: () => void (aboutOpen.value = false),
  };
});
