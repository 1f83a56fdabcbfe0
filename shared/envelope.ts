import { z } from 'zod';
import { events, type EventName } from './contract';
import { transferLabErrorSchema } from './errorSchema';
import type { RpcResult } from './rpc';

/**
 * The one envelope every transport of the API carries — the WebSocket of the web host and the
 * utility port between Electron's main and the engine: a numbered request, its response, or an
 * event. Each end parses what it receives with these schemas (and a request's input, an
 * event's payload, with the contract), so a transport is only how the envelope travels.
 */
export const replySchema = z.union([z.object({ ok: z.literal(true), result: z.unknown() }), z.object({ ok: z.literal(false), error: transferLabErrorSchema })]);

export const requestEnvelopeSchema = z.object({ type: z.literal('request'), id: z.number().int().nonnegative(), name: z.string(), input: z.unknown() });

/** id null: an answer to something that was not a request (garbage, no id) */
export const responseEnvelopeSchema = z.object({ type: z.literal('response'), id: z.number().int().nonnegative().nullable(), reply: replySchema });

export const eventEnvelopeSchema = z.object({
  type: z.literal('event'),
  name: z.string().refine((n) => Object.hasOwn(events, n), 'not an event of the contract'),
  payload: z.unknown(),
});

export const envelopeSchema = z.discriminatedUnion('type', [requestEnvelopeSchema, responseEnvelopeSchema, eventEnvelopeSchema]);
/** what a caller receives: responses and events */
export const toCallerSchema = z.discriminatedUnion('type', [responseEnvelopeSchema, eventEnvelopeSchema]);

export type RequestEnvelope = z.infer<typeof requestEnvelopeSchema>;
export type ResponseEnvelope = { type: 'response'; id: number | null; reply: RpcResult };
export type EventEnvelope = { type: 'event'; name: EventName; payload: unknown };
export type ToCaller = ResponseEnvelope | EventEnvelope;
export type Envelope = RequestEnvelope | ToCaller;
