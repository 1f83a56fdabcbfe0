import { z } from 'zod';
import { events, type EventName } from './contract';
import { transferLabErrorSchema } from './errors';
import type { RpcResult } from './rpc';

/**
 * The desktop app's wire between Electron's main and the engine's utility process: numbered
 * requests one way, their replies and the engine's events the other. Both ends import it from
 * here (main never imports the engine) and parse what they receive.
 */
export const toEngineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: z.number().int(), name: z.string(), input: z.unknown() }),
  /** stop a running job, let it write what it has, then exit */
  z.object({ type: z.literal('shutdown') }),
  /** the desktop app's GPU window: its port comes with this message (the message's ports[0]) */
  z.object({ type: z.literal('gpuWindowPort') }),
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

