import { onBeforeUnmount, onMounted } from 'vue';
import { isDesktop } from '../api/client';
import { useProjectStore } from '../stores/project';

/**
 * Closing or leaving a browser tab with unsaved changes asks first (the browser's own
 * question: a page may not word it). The desktop app asks natively instead (main's closeGuard).
 */
export function useTabCloseGuard(): void {
  const project = useProjectStore();
  function onBeforeUnload(e: BeforeUnloadEvent): void {
    if (!project.dirty || isDesktop()) return;
    e.preventDefault();
    // older Chromium and Safari ask only when returnValue is set
    e.returnValue = '';
  }
  onMounted(() => window.addEventListener('beforeunload', onBeforeUnload));
  onBeforeUnmount(() => window.removeEventListener('beforeunload', onBeforeUnload));
}
