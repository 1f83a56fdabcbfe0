import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';

/** Window-level UI state that is not part of a project: which app dialog is open. */
export const useUiStore = defineStore('ui', () => {
  const saveAsOpen = ref(false);
  const aboutOpen = ref(false);
  return {
    saveAsOpen: readonly(saveAsOpen),
    aboutOpen: readonly(aboutOpen),
    openSaveAs: () => void (saveAsOpen.value = true),
    closeSaveAs: () => void (saveAsOpen.value = false),
    openAbout: () => void (aboutOpen.value = true),
    closeAbout: () => void (aboutOpen.value = false),
  };
});
