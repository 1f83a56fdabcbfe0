import { z } from 'zod';
import { requestEnvelopeSchema, type ToCaller } from './envelope';

/**
 * The desktop app's wire between Electron's main and the engine's utility process: the API's
 * envelope (shared/envelope.ts) — requests one way, responses and events the other — and one
 * message of its own, shutdown. Both ends import it from here (main never imports the engine)
 * and parse what they receive.
 */
export const toEngineSchema = z.discriminatedUnion('type', [
  requestEnvelopeSchema,
  /** stop a running job, let it write what it has, then exit */
  z.object({ type: z.literal('shutdown') }),
  /** the desktop app's GPU window: its port comes with this message (the message's ports[0]) */
  z.object({ type: z.literal('gpuWindowPort') }),
]);
export type ToEngine = z.infer<typeof toEngineSchema>;

export type FromEngine = ToCaller;
