// @vitest-environment happy-dom
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Client from './client';
import { maxMessageBytes } from '../../../shared/contract';

/**
 * The browser's end of the WebSocket: it sends the envelope of shared/envelope.ts and parses
 * what comes back — the envelope, then an event's payload by the contract — dropping the rest.
 */
class FakeSocket {
  static readonly OPEN = 1;
  static last: FakeSocket | null = null;
  readonly sent: unknown[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
    setTimeout(() => {
      this.readyState = FakeSocket.OPEN;
      this.onopen?.();
    }, 0);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  /** the host's side */
  deliver(msg: unknown): void {
    this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) });
  }
}

let client: typeof Client;
beforeAll(async () => {
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  client = await import('./client');
});
afterAll(() => {
  vi.unstubAllGlobals();
});

describe('the WebSocket client', () => {
  it('sends a request as the envelope and takes its response', async () => {
    const answer = client.api.call('app.info', {});
    await vi.waitFor(() => expect(FakeSocket.last?.sent).toHaveLength(1));
    const socket = FakeSocket.last!;
    expect(socket.sent[0]).toEqual({ type: 'request', id: 1, name: 'app.info', input: {} });
    socket.deliver({ type: 'response', id: 1, reply: { ok: true, result: { host: 'web', version: '1.0.0' } } });
    await expect(answer).resolves.toEqual({ host: 'web', version: '1.0.0' });

    const refused = client.api.call('dataset.scan', { path: '/gone' });
    await vi.waitFor(() => expect(socket.sent).toHaveLength(2));
    socket.deliver({
      type: 'response',
      id: 2,
      reply: { ok: false, error: { code: 'DATASET_NOT_FOUND', message: 'Dataset folder not found: /gone', hint: 'Choose it again.' } },
    });
    await expect(refused).rejects.toMatchObject({ name: 'ApiError', code: 'DATASET_NOT_FOUND', hint: 'Choose it again.' });
  });

  it('passes on events that fit the contract, and drops what does not', async () => {
    const heard: unknown[] = [];
    client.api.on('scan.progress', (p) => heard.push(p));
    await vi.waitFor(() => expect(FakeSocket.last?.readyState).toBe(FakeSocket.OPEN));
    const socket = FakeSocket.last!;
    socket.deliver({ type: 'event', name: 'scan.progress', payload: { path: '/d', done: 1, total: 4 } });
    // a payload the contract does not allow, an event it does not know, the old shape, not JSON
    socket.deliver({ type: 'event', name: 'scan.progress', payload: { path: '/d', done: 'one' } });
    socket.deliver({ type: 'event', name: 'no.such', payload: {} });
    socket.deliver({ event: 'scan.progress', payload: { path: '/d', done: 2, total: 4 } });
    socket.deliver('{not json');
    expect(heard).toEqual([{ path: '/d', done: 1, total: 4 }]);
  });

  it('refuses to send a request larger than the connection carries, which would close it, and says why', async () => {
    const socket = FakeSocket.last!;
    const before = socket.sent.length;
    const huge = client.api.call('project.save', { file: '/p.tlab', project: { notes: 'n'.repeat(maxMessageBytes) } } as never);
    await expect(huge).rejects.toMatchObject({
      message: expect.stringMatching(/project\.save request is 256 MiB, more than the 256 MiB its connection carries/),
    });
    expect(socket.sent).toHaveLength(before);
  });
});
