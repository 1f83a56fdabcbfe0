/**
 * A file dropped where nothing takes it would make the browser open it in place of the app
 * (Electron's main refuses that navigation; a browser tab follows it). The window refuses such
 * drops, and shows "no drop" over them; a drop zone that takes files handles its events first
 * and keeps them.
 */
export function guardWindowDrops(target: Window): () => void {
  const refuse = (e: DragEvent) => {
    if (e.defaultPrevented) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'none';
  };
  target.addEventListener('dragover', refuse);
  target.addEventListener('drop', refuse);
  return () => {
    target.removeEventListener('dragover', refuse);
    target.removeEventListener('drop', refuse);
  };
}
