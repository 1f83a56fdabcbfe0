import { z } from 'zod';
import { events, type EventName, type EventPayload } from '../../../shared/contract';
import { transferLabErrorSchema } from '../../../shared/errors';
import { dispatch, type Handlers, type RpcResult } from '../../../shared/rpc';

/**
 * The engine's side of the desktop app's wire: numbered requests from Electron's main
 * arrive on the utility process's parentPort, go through the same `dispatch` as the web host,
 * and their replies and the engine's events go back on it. Both ends parse what they receive.
 */
export const toEngineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: z.number().int(), name: z.string(), input: z.unknown() }),
  /** stop a running job, let it write what it has, then exit */
  z.object({ type: z.literal('shutdown') }),
]);
export type ToEngine = z.infer<typeof toEngineSchema>;

const replySchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: transferLabErrorSchema }),
]);

export const fromEngineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number().int(), reply: replySchema }),
  z.object({ type: z.literal('event'), name: z.string().refine((n) => Object.hasOwn(events, n)), payload: z.unknown() }),
]);
export type FromEngine = { type: 'result'; id: number; reply: RpcResult } | { type: 'event'; name: EventName; payload: unknown };

/** What the engine needs of Electron's `process.parentPort`, so it never imports electron. */
export interface ParentPortLike {
  on(event: 'message', listener: (message: { data: unknown }) => void): unknown;
  postMessage(message: FromEngine): void;
}

export interface EngineService {
  handlers: Partial<Handlers>;
  close(): Promise<void>;
}

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export function serveEngine(port: ParentPortLike, createService: (emit: Emit) => EngineService, exit: (code: number) => void): EngineService {
  const emit: Emit = (name, payload) => port.postMessage({ type: 'event', name, payload });
  const service = createService(emit);
  let closing = false;
  port.on('message', ({ data }) => {
    const parsed = toEngineSchema.safeParse(data);
    if (!parsed.success) {
      process.stderr.write(`engine: ignored a malformed message from the app (${parsed.error.issues[0]?.message ?? 'invalid'})\n`);
      return;
    }
    const m = parsed.data;
    if (m.type === 'call') {
      void dispatch(service.handlers, m.name, m.input).then((reply) => port.postMessage({ type: 'result', id: m.id, reply }));
    } else if (!closing) {
      closing = true;
      void service.close().finally(() => exit(0));
    }
  });
  return service;
}
