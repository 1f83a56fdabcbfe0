import { vi } from 'vitest';
import type { EventName, EventPayload, RequestInput, RequestName, RequestOutput } from '../../../shared/contract';
import type { TransferLabErrorData } from '../../../shared/errors';

/**
 * A stand-in for api/client.ts in store tests: `vi.mock('../api/client', () => import('../testing/mockApi'))`.
 * Requests go to `handle`d answers; `emit` plays an engine event to whoever listens.
 */
export class ApiError extends Error implements TransferLabErrorData {
  readonly code: TransferLabErrorData['code'];
  readonly hint: string | undefined;
  constructor(data: TransferLabErrorData) {
    super(data.message);
    this.name = 'ApiError';
    this.code = data.code;
    this.hint = data.hint;
  }
}

type Handler = (input: never) => unknown;
const handlers = new Map<string, Handler>();
const listeners = new Map<string, Set<(p: unknown) => void>>();

export const call = vi.fn(async (name: string, input: unknown) => {
  const h = handlers.get(name);
  if (!h) throw new ApiError({ code: 'UNSUPPORTED', message: `${name} is not mocked.` });
  return h(input as never);
});

export const api = {
  call,
  on: (event: string, listener: (p: unknown) => void) => {
    const set = listeners.get(event) ?? new Set();
    set.add(listener);
    listeners.set(event, set);
    return () => set.delete(listener);
  },
};

/** a web page unless a test plays the desktop app (`playDesktop(true)`; resetApi ends it) */
let desktop = false;
export const isDesktop = (): boolean => desktop;
export function playDesktop(on: boolean): void {
  desktop = on;
}
/** what droppedPath answers: set a map of file names to paths to play the desktop app */
export const droppedPaths = new Map<string, string>();
export const droppedPath = (file: File): string | null => droppedPaths.get(file.name) ?? null;
/** main's "unsaved changes?" never comes in a test (as in a browser tab) */
export const onDirtyQuery = (): (() => void) => () => undefined;
export const onConnectionChange = (l: (s: 'open') => void): (() => void) => {
  l('open');
  return () => undefined;
};

/** answer a request; the function gets the request's input */
export function handle<N extends RequestName>(name: N, answer: (input: RequestInput<N>) => RequestOutput<N> | Promise<RequestOutput<N>>): void {
  handlers.set(name, answer as Handler);
}

export function fail(name: RequestName, error: TransferLabErrorData): void {
  handlers.set(name, () => {
    throw new ApiError(error);
  });
}

export function emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
  for (const l of listeners.get(event) ?? []) l(payload);
}

export function resetApi(): void {
  desktop = false;
  handlers.clear();
  droppedPaths.clear();
  listeners.clear();
  call.mockClear();
}

/** the inputs the store sent for one request name, in order */
export function sent<N extends RequestName>(name: N): RequestInput<N>[] {
  return call.mock.calls.filter((c) => c[0] === name).map((c) => c[1] as RequestInput<N>);
}
