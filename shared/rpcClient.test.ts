import { describe, expect, it, vi } from 'vitest';
import type { RequestEnvelope } from './envelope';
import { EventListeners, RpcClient } from './rpcClient';

function client() {
  const posted: RequestEnvelope[] = [];
  const onEvent = vi.fn();
  const onDropped = vi.fn();
  const rpc = new RpcClient({ post: (e) => posted.push(e), onEvent, onDropped });
  return { rpc, posted, onEvent, onDropped };
}

describe('the envelope’s one client', () => {
  it('numbers requests and settles each with its own response, in any order', async () => {
    const { rpc, posted } = client();
    const a = rpc.request('app.info', {});
    const b = rpc.request('models.catalog', {});
    expect(posted).toEqual([
      { type: 'request', id: 1, name: 'app.info', input: {} },
      { type: 'request', id: 2, name: 'models.catalog', input: {} },
    ]);
    rpc.receive({ type: 'response', id: 2, reply: { ok: true, result: 'b' } });
    rpc.receive({ type: 'response', id: 1, reply: { ok: false, error: { code: 'INTERNAL', message: 'no' } } });
    await expect(b).resolves.toEqual({ ok: true, result: 'b' });
    await expect(a).resolves.toEqual({ ok: false, error: { code: 'INTERNAL', message: 'no' } });
  });

  it('drops what is not the envelope, answers to no request of its own, and events the contract does not allow', () => {
    const { rpc, onEvent, onDropped } = client();
    rpc.receive('hello');
    rpc.receive({ type: 'response', id: 7, reply: { ok: true, result: 1 } });
    rpc.receive({ type: 'response', id: null, reply: { ok: false, error: { code: 'BAD_ARGUMENT', message: 'The message is not JSON.' } } });
    rpc.receive({ type: 'event', name: 'scan.progress', payload: { path: '/d', done: 'one' } });
    rpc.receive({ type: 'event', name: 'no.such.event', payload: {} });
    expect(onEvent).not.toHaveBeenCalled();
    expect(onDropped.mock.calls.map((c) => c[0])).toEqual([
      'a message that is not the envelope',
      'The message is not JSON.',
      'a scan.progress event the contract does not allow',
      'a message that is not the envelope',
    ]);
  });

  it('hands on an event the contract allows, parsed', () => {
    const { rpc, onEvent } = client();
    rpc.receive({ type: 'event', name: 'scan.progress', payload: { path: '/d', done: 1, total: 2 } });
    expect(onEvent).toHaveBeenCalledExactlyOnceWith('scan.progress', { path: '/d', done: 1, total: 2 });
  });

  it('fails every waiting request when the transport goes, and a request it cannot post at once', async () => {
    const { rpc } = client();
    const waiting = rpc.request('train.current', {});
    rpc.failPending((name) => ({ code: 'INTERNAL', message: `lost while answering ${name}` }));
    await expect(waiting).resolves.toEqual({ ok: false, error: { code: 'INTERNAL', message: 'lost while answering train.current' } });
    const broken = new RpcClient({
      post: () => {
        throw new Error('port closed');
      },
      onEvent: () => undefined,
    });
    await expect(broken.request('app.info', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringMatching(/port closed/) },
    });
  });
});

describe('event listeners', () => {
  it('deliver only their event, until removed', () => {
    const l = new EventListeners();
    const scan = vi.fn();
    const off = l.on('scan.progress', scan);
    l.emit('scan.progress', { path: '/d', done: 1, total: 2 });
    l.emit('download.progress', { source: 'x', received: 1, total: 2 } as never);
    off();
    l.emit('scan.progress', { path: '/d', done: 2, total: 2 });
    expect(scan).toHaveBeenCalledExactlyOnceWith({ path: '/d', done: 1, total: 2 });
  });
});
