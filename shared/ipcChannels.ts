/**
 * Every channel between the window and main, in one list (the idea of electron/fiddle's
 * ipc-events). What travels on `call` and `event` is defined by shared/contract.ts; the two
 * dirty-query channels carry the only question main itself asks the renderer.
 */
export const ipcChannels = {
  /** renderer → main, invoke: a request envelope → its response envelope (shared/envelope.ts) */
  call: 'tl:call',
  /** main → renderer: an event envelope */
  event: 'tl:event',
  /** main → renderer: (id, question) */
  queryDirty: 'tl:query-dirty',
  /** renderer → main: (id, answer: boolean) */
  dirtyAnswer: 'tl:dirty-answer',
} as const;

/**
 * 'isDirty': does the open project have unsaved changes?
 * 'save': save it now (the renderer asks for a file name if it has none); true once saved.
 */
export type DirtyQuestion = 'isDirty' | 'save';
export const dirtyQuestions: readonly DirtyQuestion[] = ['isDirty', 'save'];
