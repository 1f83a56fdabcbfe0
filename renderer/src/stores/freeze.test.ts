// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FreezePlan } from '../api/types';
import { sampleInspection, sampleScan } from '../testing/fixtures';
import { handle, resetApi, sent } from '../testing/mockApi';
import { useDatasetStore } from './dataset';
import { useFreezeStore } from './freeze';
import { useModelStore } from './model';
import { useTrainConfigStore } from './trainConfig';

vi.mock('../api/client', () => import('../testing/mockApi'));

const plan = (cut: string): FreezePlan => ({
  cut,
  cutShape: [7, 7, 1280],
  pooling: 'avg',
  featureDim: 1280,
  frozenParams: 2_257_984,
  trainableParams: 2562,
  cacheBytesPerImage: 5120,
  extractMemoryMiB: 700,
  trainMemoryMiB: 1,
  fineTune: null,
  fineTuneUnavailable: null,
});

describe('useFreezeStore', () => {
  beforeEach(async () => {
    resetApi();
    setActivePinia(createPinia());
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('dataset.scan', () => sampleScan());
    await useModelStore().use('/models/mnv2');
    await useDatasetStore().scanFolder('/data/pets');
  });

  it('plans the default cut for the scanned classes and images and the head in the training settings', async () => {
    handle('freeze.plan', ({ cut }) => plan(cut ?? 'out_relu'));
    const freeze = useFreezeStore();
    useTrainConfigStore().setHead({ hiddenUnits: 64 });
    expect(freeze.stale).toBe(true);
    await freeze.refreshPlan();
    expect(sent('freeze.plan')).toEqual([
      { source: '/models/mnv2', cut: null, classCount: 2, head: { hiddenUnits: 64, dropout: 0.2 }, batchSize: 32, fineTuneLayers: 0, images: 6 },
    ]);
    expect(freeze.effectiveCut).toBe('out_relu');
    expect(freeze.cutIndex).toBe(2);
    expect(freeze.cacheBytes).toBe(5120 * 6);
    expect(freeze.ready).toBe(true);
    expect(freeze.planning).toBe(false);
  });

  it('goes stale when the head changes, so the numbers are never for other settings', async () => {
    handle('freeze.plan', () => plan('out_relu'));
    const freeze = useFreezeStore();
    await freeze.refreshPlan();
    useTrainConfigStore().setConfig({ batchSize: 8 });
    expect(freeze.stale).toBe(true);
    expect(freeze.ready).toBe(false);
  });

  it('keeps the answer to the last click when answers come back out of order', async () => {
    const pending: ((p: FreezePlan) => void)[] = [];
    handle('freeze.plan', () => new Promise<FreezePlan>((r) => pending.push(r)));
    const freeze = useFreezeStore();
    const first = freeze.selectCut('Conv1');
    const second = freeze.selectCut('out_relu');
    await Promise.resolve();
    pending[1]!(plan('out_relu'));
    pending[0]!(plan('Conv1'));
    await Promise.all([first, second]);
    expect(freeze.plan?.cut).toBe('out_relu');
    expect(freeze.planning).toBe(false);
  });

  it('forgets a cut when the model changes, and restores a project cut for its model', async () => {
    handle('freeze.plan', ({ cut }) => plan(cut ?? 'out_relu'));
    const freeze = useFreezeStore();
    await freeze.selectCut('Conv1');
    expect(freeze.cut).toBe('Conv1');
    await useModelStore().use('/models/other');
    expect(freeze.cut).toBeNull();
    freeze.restore('/models/mnv2', 'Conv1');
    expect(freeze.cut).toBeNull();
    await useModelStore().use('/models/mnv2');
    expect(freeze.cut).toBe('Conv1');
  });
});
