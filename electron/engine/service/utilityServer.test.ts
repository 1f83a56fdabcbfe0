import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { TransferLabError } from '../../../shared/errors';
import type { FromEngine } from '../../../shared/utilityWire';
import { serveEngine, type ParentPortLike } from './utilityServer';

/** The engine's message handler on its own, with a port the test plays main on. */
function setUp() {
  const port = Object.assign(new EventEmitter(), { postMessage: vi.fn<(m: FromEngine) => void>() }) as ParentPortLike &
    EventEmitter & { postMessage: ReturnType<typeof vi.fn> };
  const close = vi.fn(async () => undefined);
  const exit = vi.fn();
  let emit!: Parameters<Parameters<typeof serveEngine>[1]>[0];
  serveEngine(
    port,
    (e) => {
      emit = e;
      return {
        handlers: {
          'models.catalog': async () => ({ entries: [], measured: {}, cached: [] }),
          'run.read': async () => {
            throw new TransferLabError('RUN_NOT_FOUND', 'No run at /runs/x.', 'Pick a run from the list.');
          },
        },
        close,
      };
    },
    exit,
  );
  const fromMain = (data: unknown) => port.emit('message', { data });
  const replies = () => port.postMessage.mock.calls.map((c) => c[0] as FromEngine);
  return { fromMain, replies, close, exit, emit: () => emit, port };
}

describe('the engine’s side of the wire', () => {
  it('answers each numbered request through dispatch', async () => {
    const s = setUp();
    s.fromMain({ type: 'request', id: 1, name: 'models.catalog', input: {} });
    s.fromMain({ type: 'request', id: 2, name: 'run.read', input: { runDir: '/runs/x' } });
    s.fromMain({ type: 'request', id: 3, name: 'run.read', input: { runDir: 7 } });
    s.fromMain({ type: 'request', id: 4, name: 'app.info', input: {} });
    await vi.waitFor(() => expect(s.replies()).toHaveLength(4));
    const byId = Object.fromEntries(s.replies().map((r) => [r.type === 'response' ? r.id : -1, r]));
    expect(byId[1]).toEqual({ type: 'response', id: 1, reply: { ok: true, result: { entries: [], measured: {}, cached: [] } } });
    expect(byId[2]).toEqual({
      type: 'response',
      id: 2,
      reply: { ok: false, error: { code: 'RUN_NOT_FOUND', message: 'No run at /runs/x.', hint: 'Pick a run from the list.' } },
    });
    expect(byId[3]).toMatchObject({ reply: { ok: false, error: { code: 'BAD_ARGUMENT' } } });
    expect(byId[4]).toMatchObject({ reply: { ok: false, error: { code: 'UNSUPPORTED' } } });
  });

  it('sends the service’s events to main', () => {
    const s = setUp();
    s.emit()('scan.progress', { path: '/d', done: 1, total: 4 });
    expect(s.replies()).toEqual([{ type: 'event', name: 'scan.progress', payload: { path: '/d', done: 1, total: 4 } }]);
  });

  it('ignores messages that are not the protocol', async () => {
    const s = setUp();
    const stderr = vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    // the wire's old call/result shape is not the envelope any more
    for (const junk of [
      null,
      'call',
      { type: 'request', id: 'x', name: 'app.info' },
      { type: 'eval', code: '1' },
      { type: 'call', id: 1, name: 'app.info', input: {} },
    ])
      s.fromMain(junk);
    await new Promise((r) => setTimeout(r, 10));
    expect(s.replies()).toEqual([]);
    expect(stderr).toHaveBeenCalledTimes(5);
    stderr.mockRestore();
  });

  it('on shutdown closes the service, then exits, once', async () => {
    const s = setUp();
    s.fromMain({ type: 'shutdown' });
    s.fromMain({ type: 'shutdown' });
    await vi.waitFor(() => expect(s.exit).toHaveBeenCalledWith(0));
    expect(s.close).toHaveBeenCalledOnce();
  });
});
