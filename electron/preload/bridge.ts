import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { EventName, EventPayload, RequestInput, RequestName, RequestOutput } from '../../shared/contract';
import type { TransferLabErrorData } from '../../shared/errors';
import { responseEnvelopeSchema } from '../../shared/envelope';
import { EventListeners, RpcClient } from '../../shared/rpcClient';
import { dirtyQuestions, ipcChannels, type DirtyQuestion } from '../../shared/ipcChannels';
import type { DesktopApi, DirtyQueryHandler } from './desktopApi';

/**
 * The object the preload exposes, built over an IpcRenderer so it can be tested without a
 * window: the API's one client (shared/rpcClient.ts) over IPC, so what main sends is parsed
 * here, as the web page parses what its WebSocket brings. Errors reach the page as the plain
 * `{ code, message, hint }` of the contract.
 */
export function createDesktopApi(
  ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener' | 'send'>,
  /** Electron's webUtils.getPathForFile: a page sees a dropped file's bytes, never its path */
  pathOf: (file: File) => string = () => '',
): DesktopApi {
  let dirtyHandler: DirtyQueryHandler | null = null;
  const listeners = new EventListeners();
  // the envelope's client; IPC's invoke pairs each request with its response, events come on their own channel
  const rpc: RpcClient = new RpcClient({
    post: (envelope) => {
      const fail = (message: string) => rpc.receive({ type: 'response', id: envelope.id, reply: { ok: false, error: { code: 'INTERNAL', message } } });
      ipc.invoke(ipcChannels.call, envelope).then(
        (response: unknown) => {
          // invoke answers this request alone: anything but its response would leave the call waiting forever
          const r = responseEnvelopeSchema.safeParse(response);
          if (r.success && r.data.id === envelope.id) rpc.receive(r.data);
          else fail(`The app answered ${envelope.name} with something that is not its reply.`);
        },
        (e: unknown) => fail(`The app refused ${envelope.name}: ${(e as Error).message}`),
      );
    },
    onEvent: (name, payload) => listeners.emit(name, payload),
    onDropped: (why) => console.warn(`Transfer Lab: dropped ${why}`),
  });
  ipc.on(ipcChannels.event, (_event: IpcRendererEvent, envelope: unknown) => rpc.receive(envelope));

  ipc.on(ipcChannels.queryDirty, (_event: IpcRendererEvent, id: unknown, question: unknown) => {
    if (typeof id !== 'number' || !dirtyQuestions.includes(question as DirtyQuestion)) return;
    void answer(dirtyHandler, question as DirtyQuestion).then((value) => ipc.send(ipcChannels.dirtyAnswer, id, value));
  });

  return {
    async call<N extends RequestName>(name: N, input: RequestInput<N>): Promise<RequestOutput<N>> {
      const reply = await rpc.request(name, input);
      if (reply.ok) return reply.result as RequestOutput<N>;
      throw plainError(reply.error);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return listeners.on(event, listener);
    },
    pathForFile(file: File): string {
      try {
        return pathOf(file);
      } catch {
        // not a File from a drop (contextBridge hands over only what the page gave)
        return '';
      }
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
