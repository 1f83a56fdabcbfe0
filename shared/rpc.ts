import type { z } from 'zod';
import { TransferLabError, type TransferLabErrorData } from './errors';
import { events, isRequestName, requests, type EventName, type EventPayload, type ParsedInput, type RequestName, type RequestOutput } from './contract';

/**
 * The transport-independent half of every API endpoint: parse the input with the contract,
 * call the handler, turn any failure into plain error data. IPC in Electron and WebSocket in
 * the web host both go through `dispatch`, so both accept and refuse exactly the same things.
 */
export type Handlers = { [N in RequestName]: (input: ParsedInput<N>) => Promise<RequestOutput<N>> };

export type RpcResult = { ok: true; result: unknown } | { ok: false; error: TransferLabErrorData };

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}

export function toErrorData(e: unknown): TransferLabErrorData {
  if (e instanceof TransferLabError) return e.toJSON();
  const message = e instanceof Error ? (e.message.split('\n')[0] ?? String(e)) : String(e);
  return { code: 'INTERNAL', message: `Unexpected failure: ${message}`, hint: 'Try again; if it keeps happening, report it with what you were doing.' };
}

export async function dispatch(handlers: Partial<Handlers>, name: unknown, rawInput: unknown, opts: { checkOutput?: boolean } = {}): Promise<RpcResult> {
  if (!isRequestName(name)) return { ok: false, error: { code: 'BAD_ARGUMENT', message: `Unknown request "${String(name)}".` } };
  const spec = requests[name];
  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) return { ok: false, error: { code: 'BAD_ARGUMENT', message: `Invalid ${name} request: ${describeIssues(parsed.error.issues)}.` } };
  const handler = handlers[name] as ((input: unknown) => Promise<unknown>) | undefined;
  if (!handler) return { ok: false, error: { code: 'UNSUPPORTED', message: `${name} is not available here.`, hint: 'This needs the desktop app.' } };
  try {
    const result = await handler(parsed.data);
    if (opts.checkOutput) {
      const out = spec.output.safeParse(result);
      if (!out.success)
        return {
          ok: false,
          error: { code: 'INTERNAL', message: `The engine answered ${name} with data the contract does not allow: ${describeIssues(out.error.issues)}.` },
        };
    }
    return { ok: true, result };
  } catch (e) {
    return { ok: false, error: toErrorData(e) };
  }
}

/** Checks an event payload before it leaves the engine (tests) or after it arrives (clients). */
export function parseEvent<E extends EventName>(name: E, payload: unknown): EventPayload<E> | null {
  const r = events[name].safeParse(payload);
  return r.success ? (r.data as EventPayload<E>) : null;
}
