import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { isRequestName, requestNames, type RequestName } from '../../../shared/contract';
import type { ResponseEnvelope } from '../../../shared/envelope';
import { TransferLabError } from '../../../shared/errors';
import type { Handlers, RpcResult } from '../../../shared/rpc';
import { answerRequest } from '../../../shared/rpcServer';
import { ipcChannels } from '../../../shared/ipcChannels';

/** what the router needs of the engine process */
export interface EngineCaller {
  call(name: RequestName, input: unknown): Promise<RpcResult>;
}

/**
 * Main's handlers for the whole contract: the ones main answers itself (the native dialogs),
 * and for every other request one that forwards the already-parsed input to the engine. The
 * contract's schemas describe plain data, so the engine's own parse accepts it unchanged.
 */
export function routerHandlers(local: Partial<Handlers>, engine: EngineCaller): Partial<Handlers> {
  const handlers: Partial<Record<RequestName, (input: unknown) => Promise<unknown>>> = {};
  for (const name of requestNames) {
    handlers[name] =
      (local[name] as ((input: unknown) => Promise<unknown>) | undefined) ??
      (async (input: unknown) => {
        const reply = await engine.call(name, input);
        if (reply.ok) return reply.result;
        throw new TransferLabError(reply.error.code, reply.error.message, reply.error.hint);
      });
  }
  return handlers as Partial<Handlers>;
}

export interface RouterOptions {
  isTrustedSender(event: IpcMainInvokeEvent): boolean;
  handlers: Partial<Handlers>;
  /** told of every answered request: the menu's recent projects follow project.open/save */
  afterCall?(name: RequestName, reply: RpcResult): void;
  log?(message: string): void;
}

/**
 * The chokepoint: every request from a renderer enters main here, on one channel, as the API's
 * request envelope (shared/envelope.ts). The sender is checked first; then `answerRequest`
 * parses the envelope, and `dispatch` the input by the contract (BAD_ARGUMENT when it does not
 * fit), and the handler runs. The answer is the response envelope, plain data, because an
 * exception thrown across IPC loses its code and hint.
 */
export function installRouter(o: RouterOptions): () => void {
  ipcMain.handle(ipcChannels.call, async (event, raw: unknown): Promise<ResponseEnvelope> => {
    if (!o.isTrustedSender(event)) {
      o.log?.(`refused a request from a frame that is not the app (${event.senderFrame?.url ?? 'gone'})`);
      throw new Error('Refused: this frame may not call Transfer Lab.');
    }
    const response = await answerRequest(o.handlers, raw);
    const name = (raw as { name?: unknown } | null)?.name;
    if (response.id !== null && isRequestName(name)) o.afterCall?.(name, response.reply);
    return response;
  });
  return () => ipcMain.removeHandler(ipcChannels.call);
}
