import type { TransferLabApi } from '../../shared/contract';

/** What the renderer registers so main can ask about unsaved changes before the window closes. */
export interface DirtyQueryHandler {
  /** whether the open project has unsaved changes */
  isDirty(): boolean | Promise<boolean>;
  /** saves it (asking for a file name if it has none); false when the user cancelled or it failed */
  save(): Promise<boolean>;
}

/**
 * `window.transferLab` in the desktop app: the contract's API, plus the one question main
 * asks the renderer. Returns a function that unregisters the handler.
 */
export interface DesktopApi extends TransferLabApi {
  onDirtyQuery(handler: DirtyQueryHandler): () => void;
  /** where a file or folder dropped on the window is on disk ('' for one that is not on disk) */
  pathForFile(file: File): string;
}
