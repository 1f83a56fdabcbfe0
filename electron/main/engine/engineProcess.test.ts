import { electronMock, fakeEngine, type FakeUtilityProcess } from '../test/electronMock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventName } from '../../../shared/contract';
import { TransferLabError } from '../../../shared/errors';
import { serveEngine, type Emit, type EngineService } from '../../engine/service/utilityServer';
import { EngineProcess } from './engineProcess';

/**
 * Main's side of the engine against the engine's real message handler (`serveEngine`), over
 * the mock's utility process: numbered requests, replies, events, a crash, a shutdown.
 */
const closed = vi.fn(async () => undefined);
let emitFromEngine: Emit;

function stubService(emit: Emit): EngineService {
  emitFromEngine = emit;
  return {
    handlers: {
      'models.catalog': async () => ({
        entries: [],
        measured: {
          mobilenet_v2: {
            out_relu: { images: 768, seconds: 2.9, imagesPerSecond: 268, measuredAt: '2026-12-05T08:00:00.000Z', extractor: 'onnx', device: 'cpu' },
          },
        },
        cached: [],
      }),
      'dataset.scan': async () => {
        throw new TransferLabError('DATASET_NOT_FOUND', 'Dataset folder not found: /gone', 'Choose the folder again.');
      },
      'train.start': async () => ({ jobId: 'job-1' }),
      'sweep.start': async () => ({
        jobId: 'sweep-1',
        runs: [
          { index: 0, label: 'lr 0.001' },
          { index: 1, label: 'lr 0.01' },
        ],
      }),
      'train.resume': async () => ({ jobId: 'resumed-1' }),
      // never answers: a request in flight when the engine dies
      'models.inspect': () => new Promise(() => undefined),
    },
    close: closed,
  };
}

const trainInput = {
  dataset: '/data/photos',
  split: { val: 0.15, test: 0.15 },
  source: 'mobilenet_v2',
  cut: null,
  config: { epochs: 2, batchSize: 8, learningRate: 0.01, optimizer: 'adam', momentum: 0.9, seed: 1, patience: 3, head: { hiddenUnits: 0, dropout: 0 } },
};
const events: { name: EventName; payload: unknown }[] = [];
const log = vi.fn();
let engine: EngineProcess;

beforeEach(() => {
  vi.clearAllMocks();
  events.length = 0;
  fakeEngine.forks.length = 0;
  fakeEngine.child = (p: FakeUtilityProcess) => void serveEngine(p.port, stubService, (code) => p.exit(code));
  engine = new EngineProcess({
    entry: '/app/out/main/engine.js',
    env: { TRANSFER_LAB_VERSION: '1.2.3' },
    onEvent: (name, payload) => events.push({ name, payload }),
    log,
  });
});
afterEach(async () => {
  await engine.stop();
});

describe('the engine in its utility process', () => {
  it('is forked from the engine entry with main’s environment', () => {
    engine.start();
    expect(electronMock.utilityProcess.fork).toHaveBeenCalledWith(
      '/app/out/main/engine.js',
      [],
      expect.objectContaining({ env: { TRANSFER_LAB_VERSION: '1.2.3' }, serviceName: 'Transfer Lab engine' }),
    );
  });

  it('answers numbered requests, in any order', async () => {
    const [catalog, scan] = await Promise.all([engine.call('models.catalog', {}), engine.call('dataset.scan', { path: '/gone' })]);
    expect(catalog).toEqual({
      ok: true,
      result: {
        entries: [],
        measured: {
          mobilenet_v2: {
            out_relu: { images: 768, seconds: 2.9, imagesPerSecond: 268, measuredAt: '2026-12-05T08:00:00.000Z', extractor: 'onnx', device: 'cpu' },
          },
        },
        cached: [],
      },
    });
    expect(scan).toEqual({ ok: false, error: { code: 'DATASET_NOT_FOUND', message: 'Dataset folder not found: /gone', hint: 'Choose the folder again.' } });
    expect(fakeEngine.forks).toHaveLength(1);
  });

  it('relays the engine’s events that fit the contract, and drops the rest', async () => {
    await engine.call('models.catalog', {});
    emitFromEngine('scan.progress', { path: '/data', done: 3, total: 10 });
    emitFromEngine('scan.progress', { path: '/data', done: 'three' } as never);
    await vi.waitFor(() => expect(log).toHaveBeenCalledWith(expect.stringMatching(/dropped a scan.progress event/)));
    expect(events).toEqual([{ name: 'scan.progress', payload: { path: '/data', done: 3, total: 10 } }]);
  });

  it('when it dies, fails what was pending, ends the running job as failed, and starts again', async () => {
    await expect(engine.call('train.start', trainInput)).resolves.toEqual({ ok: true, result: { jobId: 'job-1' } });
    const inFlight = engine.call('models.inspect', { source: 'mobilenet_v2' });
    await new Promise((r) => setTimeout(r, 10));
    fakeEngine.forks[0]!.exit(137);

    await expect(inFlight).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringMatching(/models\.inspect.*137/) } });
    await vi.waitFor(() => expect(events.map((e) => e.name)).toContain('job.finished'));
    expect(events.find((e) => e.name === 'job.finished')?.payload).toMatchObject({
      jobId: 'job-1',
      status: 'failed',
      runDir: null,
      run: null,
      error: { code: 'INTERNAL' },
    });

    await vi.waitFor(() => expect(fakeEngine.forks).toHaveLength(2), { timeout: 3000 });
    await expect(engine.call('models.catalog', {})).resolves.toMatchObject({ ok: true });
  });

  it.each([
    ['a sweep', 'sweep.start', { ...trainInput, axes: { learningRate: [0.001, 0.01] } }, 'sweep-1'],
    ['a resumed run', 'train.resume', { runDir: '/runs/stopped' }, 'resumed-1'],
  ] as const)('when it dies during %s, the job ends as failed too', async (_what, request, input, jobId) => {
    await expect(engine.call(request, input)).resolves.toMatchObject({ ok: true, result: { jobId } });
    fakeEngine.forks[0]!.exit(137);
    await vi.waitFor(() => expect(events.map((e) => e.name)).toContain('job.finished'));
    expect(events.find((e) => e.name === 'job.finished')?.payload).toMatchObject({
      jobId,
      status: 'failed',
      error: { code: 'INTERNAL', message: expect.stringMatching(/137/) },
    });
  });

  it('when it dies before it answered the start, the job its events named ends as failed', async () => {
    await engine.call('models.catalog', {});
    // the window named the job; the engine began it and emitted, then died before any reply
    emitFromEngine('job.event', { jobId: 'named-by-window-1', event: { type: 'phase', phase: 'scan', message: 'scanning' } });
    await vi.waitFor(() => expect(events).toHaveLength(1));
    fakeEngine.forks[0]!.exit(137);
    await vi.waitFor(() => expect(events.map((e) => e.name)).toContain('job.finished'));
    expect(events.find((e) => e.name === 'job.finished')?.payload).toMatchObject({ jobId: 'named-by-window-1', status: 'failed', error: { code: 'INTERNAL' } });
  });

  it('reports no job failure when the engine dies between runs', async () => {
    await expect(engine.call('train.start', trainInput)).resolves.toMatchObject({ ok: true });
    emitFromEngine('job.finished', { jobId: 'job-1', status: 'done', runDir: '/runs/1', run: null, error: null });
    await vi.waitFor(() => expect(events).toHaveLength(1));
    fakeEngine.forks[0]!.exit(1);
    await vi.waitFor(() => expect(fakeEngine.forks).toHaveLength(2), { timeout: 3000 });
    expect(events.filter((e) => e.name === 'job.finished')).toHaveLength(1);
  });

  it('shuts down on request: the service closes (stopping its job) and the process exits, not restarted', async () => {
    await engine.call('models.catalog', {});
    await engine.stop();
    expect(closed).toHaveBeenCalledOnce();
    expect(fakeEngine.forks[0]!.exited).toBe(true);
    await new Promise((r) => setTimeout(r, 700));
    expect(fakeEngine.forks).toHaveLength(1);
    await expect(engine.call('models.catalog', {})).resolves.toMatchObject({ ok: false, error: { message: /closing/ } });
  });
});
