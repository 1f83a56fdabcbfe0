import { describe, expect, it } from 'vitest';
import type { EpochEvent, LogEvent } from '../api/types';
import { createRunView, LOG_LIMIT, withEpoch, withLog } from './runView';

const epoch = (n: number, loss = 1 / n): EpochEvent => ({
  type: 'epoch',
  epoch: n,
  epochs: 3,
  loss,
  accuracy: 0.3,
  valLoss: 1,
  valAccuracy: 0.25,
  seconds: 0.2,
  samplesPerSecond: 500,
  rssMiB: 300,
  numTensors: 10,
});
const log = (message: string): LogEvent => ({ type: 'log', level: 'info', message });

describe('what a run shows', () => {
  it('keeps one epoch per number, in order, the later word winning', () => {
    expect(withEpoch([epoch(1), epoch(3)], epoch(2)).map((e) => e.epoch)).toEqual([1, 2, 3]);
    const again = withEpoch([epoch(1), epoch(2)], epoch(1, 0.5));
    expect(again.map((e) => [e.epoch, e.loss])).toEqual([
      [1, 0.5],
      [2, 0.5],
    ]);
  });

  it('keeps the newest log lines only', () => {
    const many = Array.from({ length: LOG_LIMIT }, (_, i) => log(`line ${i}`));
    const kept = withLog(many, log('newest'));
    expect(kept).toHaveLength(LOG_LIMIT);
    expect(kept[0]!.message).toBe('line 1');
    expect(kept[kept.length - 1]!.message).toBe('newest');
  });

  it('draws epochs as they come and a replayed one once', () => {
    const view = createRunView();
    for (const n of [1, 2, 3]) view.apply(epoch(n));
    view.apply(epoch(2, 0.1));
    expect(view.epochs.value.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(view.epochs.value[1]!.loss).toBe(0.1);
    expect(view.lastEpoch.value?.epoch).toBe(3);
  });

  it('starts a new phase with no progress, and takes the latest facts', () => {
    const view = createRunView();
    view.apply({ type: 'progress', phase: 'extract', done: 40, total: 40, unit: 'images', perSecond: 10, etaSeconds: 0 });
    view.apply({ type: 'phase', phase: 'train', message: 'training' });
    expect(view.progress.value).toBeNull();
    expect(view.phase.value?.phase).toBe('train');
    view.apply({ type: 'facts', backend: { name: 'wasm', provider: 'wasm', reason: 'first' } });
    view.apply({ type: 'facts', extractor: { runtime: 'onnx', backend: 'onnxruntime-node', workers: 2, threads: 1 } });
    // a fact not in the event leaves the one before it
    expect(view.backendNote.value).toBe('first');
    expect(view.extractorNote.value).toBe('ONNX Runtime on the CPU, 2 workers of 1 thread');
  });

  it('keeps why the frozen part runs where it does apart from what runs it: this run’s choice, else the cache’s', () => {
    const view = createRunView();
    view.apply({ type: 'facts', extractor: { runtime: 'onnx', backend: 'onnxruntime-node', workers: 2, threads: 1, deviceReason: 'no GPU adapter: none' } });
    // "…, 2 workers of 1 thread (CPU, because no GPU adapter: none)" before, one sentence
    expect(view.extractorNote.value).toBe('ONNX Runtime on the CPU, 2 workers of 1 thread');
    expect(view.extractorWhy.value).toBe('CPU because no GPU adapter: none');
    const cached = createRunView();
    const measurement = {
      images: 40,
      seconds: 2,
      imagesPerSecond: 20,
      measuredAt: '2026-12-07T00:00:00.000Z',
      extractor: 'onnx' as const,
      device: 'cpu' as const,
      reason: 'no GPU adapter: none',
    };
    cached.apply({ type: 'facts', extraction: { source: 'cache', extracted: 0, cached: 40, measurement } });
    expect(cached.extractorNote.value).toMatch(/^extracted once by ONNX Runtime \(CPU\): 2\.0 s for 40 images, .*; reused since$/);
    expect(cached.extractorWhy.value).toBe('CPU because no GPU adapter: none');
  });

  it('clears everything for the next run', () => {
    const view = createRunView();
    view.apply(epoch(1));
    view.apply(log('hello'));
    view.apply({ type: 'facts', backend: { name: 'wasm', provider: 'wasm', reason: 'r' } });
    view.runDir.value = '/work/runs/r1';
    view.clear();
    expect([view.epochs.value, view.logs.value, view.backendNote.value, view.runDir.value, view.lastLog.value]).toEqual([[], [], null, null, null]);
  });
});
