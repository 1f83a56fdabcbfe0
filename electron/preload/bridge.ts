import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { EventName, EventPayload, RequestInput, RequestName, RequestOutput } from '../../shared/contract';
import type { TransferLabErrorData } from '../../shared/errors';
import type { RpcResult } from '../../shared/rpc';
import { dirtyQuestions, ipcChannels, type DirtyQuestion } from '../../shared/ipcChannels';
import type { DesktopApi, DirtyQueryHandler } from './desktopApi';

/**
 * The object the preload exposes, built over an IpcRenderer so it can be tested without a
 * window. Errors reach the page as the plain `{ code, message, hint }` of the contract.
 */
export function createDesktopApi(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener' | 'send'>): DesktopApi {
  let dirtyHandler: DirtyQueryHandler | null = null;

  ipc.on(ipcChannels.queryDirty, (_event: IpcRendererEvent, id: unknown, question: unknown) => {
    if (typeof id !== 'number' || !dirtyQuestions.includes(question as DirtyQuestion)) return;
    void answer(dirtyHandler, question as DirtyQuestion).then((value) => ipc.send(ipcChannels.dirtyAnswer, id, value));
  });

  return {
    async call<N extends RequestName>(name: N, input: RequestInput<N>): Promise<RequestOutput<N>> {
      let reply: RpcResult;
      try {
        reply = (await ipc.invoke(ipcChannels.call, name, input)) as RpcResult;
      } catch (e) {
        throw plainError({ code: 'INTERNAL', message: `The app refused ${name}: ${(e as Error).message}` });
      }
      if (reply.ok) return reply.result as RequestOutput<N>;
      throw plainError(reply.error);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const relay = (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
        if (name === event) listener(payload as EventPayload<E>);
      };
      ipc.on(ipcChannels.event, relay);
      return () => {
        ipc.removeListener(ipcChannels.event, relay);
      };
    },
    onDirtyQuery(handler: DirtyQueryHandler): () => void {
      dirtyHandler = handler;
      return () => {
        if (dirtyHandler === handler) dirtyHandler = null;
      };
    },
  };
}

async function answer(handler: DirtyQueryHandler | null, question: DirtyQuestion): Promise<boolean> {
  // no handler: the page holds nothing that could be saved
  if (!handler) return false;
  try {
    return (await (question === 'isDirty' ? handler.isDirty() : handler.save())) === true;
  } catch {
    // when the page cannot tell whether it is dirty, the user is asked; a save that threw did not save
    return question === 'isDirty';
  }
}

/** a plain object, because contextBridge copies only plain data (an Error loses its code) */
function plainError(e: TransferLabErrorData): TransferLabErrorData {
  return e.hint === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, hint: e.hint };
}
