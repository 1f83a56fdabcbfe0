import { requestEnvelopeSchema, type ResponseEnvelope } from './envelope';
import { dispatch, type Handlers } from './rpc';

/**
 * The one server of the API's envelope: a request envelope in (as received: unparsed), its
 * response envelope out. The envelope is parsed here, the input by the contract in `dispatch`;
 * what is not a request gets an error answered to `id: null`. The web host's WebSocket, main's
 * IPC and the engine's utility port each only carry what this takes and returns.
 */
export async function answerRequest(handlers: Partial<Handlers>, raw: unknown): Promise<ResponseEnvelope> {
  const msg = requestEnvelopeSchema.safeParse(raw);
  if (!msg.success)
    return {
      type: 'response',
      id: null,
      reply: {
        ok: false,
        error: { code: 'BAD_ARGUMENT', message: 'A request is { "type": "request", "id": <number>, "name": <request>, "input": <its input> }.' },
      },
    };
  return { type: 'response', id: msg.data.id, reply: await dispatch(handlers, msg.data.name, msg.data.input) };
}
