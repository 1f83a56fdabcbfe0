import type { EventName, EventPayload, RequestName } from './contract';
import { toCallerSchema, type RequestEnvelope } from './envelope';
import type { TransferLabErrorData } from './errors';
import { parseEvent, type RpcResult } from './rpc';

/**
 * The one client of the API's envelope (shared/envelope.ts), whatever carries it: the web
 * page's WebSocket, the desktop preload's IPC, main's port to the engine. A transport gives it
 * `post` and hands every message it receives to `receive`; the client numbers the requests,
 * parses what comes back (the envelope, then an event's payload by the contract) and drops
 * what does not fit, saying so through `onDropped`. A request settles with the reply as plain
 * data, never by throwing: each transport turns a failure into its own kind of error.
 */
export interface RpcClientOptions {
  post(envelope: RequestEnvelope): void;
  onEvent<E extends EventName>(name: E, payload: EventPayload<E>): void;
  onDropped?(why: string): void;
}

export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { name: RequestName; resolve: (r: RpcResult) => void }>();

  constructor(private readonly o: RpcClientOptions) {}

  request(name: RequestName, input: unknown): Promise<RpcResult> {
    const id = this.nextId++;
    return new Promise<RpcResult>((resolve) => {
      this.pending.set(id, { name, resolve });
      try {
        this.o.post({ type: 'request', id, name, input });
      } catch (e) {
        this.pending.delete(id);
        resolve({ ok: false, error: { code: 'INTERNAL', message: `Could not reach the engine: ${(e as Error).message}` } });
      }
    });
  }

  receive(raw: unknown): void {
    const parsed = toCallerSchema.safeParse(raw);
    if (!parsed.success) return this.o.onDropped?.('a message that is not the envelope');
    const m = parsed.data;
    if (m.type === 'response') {
      const p = m.id === null ? undefined : this.pending.get(m.id);
      if (!p || m.id === null) {
        // an answer to no request of ours: the other side refused something that was not a request
        if (!m.reply.ok) this.o.onDropped?.(m.reply.error.message);
        return;
      }
      this.pending.delete(m.id);
      p.resolve(m.reply as RpcResult);
      return;
    }
    const name = m.name as EventName;
    const payload = parseEvent(name, m.payload);
    if (payload === null) return this.o.onDropped?.(`a ${name} event the contract does not allow`);
    this.o.onEvent(name, payload);
  }

  /** every request still waiting fails with this error (the transport closed, the engine died) */
  failPending(error: (name: RequestName) => TransferLabErrorData): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.resolve({ ok: false, error: error(p.name) });
  }
}

type Listener = (payload: never) => void;

/** The `on(event, listener)` half of the API: listeners by event name, each removable. */
export class EventListeners {
  private readonly byName = new Map<EventName, Set<Listener>>();

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    const set = this.byName.get(event) ?? new Set<Listener>();
    set.add(listener as Listener);
    this.byName.set(event, set);
    return () => {
      set.delete(listener as Listener);
    };
  }

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    for (const l of this.byName.get(name) ?? []) (l as (p: EventPayload<E>) => void)(payload);
  }
}
