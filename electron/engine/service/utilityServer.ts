import type { EventName, EventPayload } from '../../../shared/contract';
import type { Handlers } from '../../../shared/rpc';
import { answerRequest } from '../../../shared/rpcServer';
import { toEngineSchema, type FromEngine } from '../../../shared/utilityWire';

/**
 * The engine's side of the desktop app's wire: numbered requests from Electron's main
 * arrive on the utility process's parentPort, go through the same `dispatch` as the web host,
 * and their replies and the engine's events go back on it. Both ends parse what they receive.
 */
/** What the engine needs of Electron's `process.parentPort`, so it never imports electron. */
export interface ParentPortLike {
  /** `ports`: the MessagePortMains that came with the message (the GPU window's) */
  on(event: 'message', listener: (message: { data: unknown; ports?: unknown[] }) => void): unknown;
  postMessage(message: FromEngine): void;
}

export interface EngineService {
  handlers: Partial<Handlers>;
  close(): Promise<void>;
}

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** `onGpuWindowPort`: what to do with the port of the desktop app's GPU window, when main sends one */
export function serveEngine(
  port: ParentPortLike,
  createService: (emit: Emit) => EngineService,
  exit: (code: number) => void,
  onGpuWindowPort?: (port: unknown) => void,
): EngineService {
  const emit: Emit = (name, payload) => port.postMessage({ type: 'event', name, payload });
  const service = createService(emit);
  let closing = false;
  port.on('message', ({ data, ports }) => {
    const parsed = toEngineSchema.safeParse(data);
    if (!parsed.success) {
      process.stderr.write(`engine: ignored a malformed message from the app (${parsed.error.issues[0]?.message ?? 'invalid'})\n`);
      return;
    }
    const m = parsed.data;
    if (m.type === 'request') {
      void answerRequest(service.handlers, m).then((r) => port.postMessage(r));
    } else if (m.type === 'gpuWindowPort') {
      if (ports?.[0]) onGpuWindowPort?.(ports[0]);
    } else if (!closing) {
      closing = true;
      void service.close().finally(() => exit(0));
    }
  });
  return service;
}
