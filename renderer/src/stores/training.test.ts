// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EpochEvent, JobEvent } from '../api/types';
import { sampleInspection, sampleRun, sampleScan } from '../testing/fixtures';
import { emit, fail, handle, resetApi, sent } from '../testing/mockApi';
import { useDatasetStore } from './dataset';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';
import { useProjectStore } from './project';
import { useTrainConfigStore } from './trainConfig';
import { useTrainingStore } from './training';

vi.mock('../api/client', () => import('../testing/mockApi'));

const epoch = (n: number): EpochEvent => ({ type: 'epoch', epoch: n, epochs: 3, loss: 1 / n, accuracy: 0.3 * n, valLoss: 1.1 / n, valAccuracy: 0.25 * n, seconds: 0.2, samplesPerSecond: 500, rssMiB: 300, numTensors: 10 });

describe('useTrainingStore', () => {
  beforeEach(async () => {
    resetApi();
    sessionStorage.clear();
    setActivePinia(createPinia());
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('dataset.scan', () => sampleScan());
    await useModelStore().use('/models/mnv2');
    await useDatasetStore().scanFolder('/data/pets');
  });

  it('starts a job with the dataset, split, model, cut and hyper-parameters', async () => {
    handle('train.start', () => ({ jobId: 'j1' }));
    const training = useTrainingStore();
    useTrainConfigStore().setConfig({ epochs: 3, learningRate: 0.01 });
    expect(await training.start()).toBe(true);
    expect(sent('train.start')[0]).toMatchObject({ dataset: '/data/pets', split: { val: 0.1, test: 0.2 }, source: '/models/mnv2', cut: null, config: { epochs: 3, learningRate: 0.01 } });
    expect(training.running).toBe(true);
    expect(training.starting).toBe(false);
  });

  it('draws the curves from job events, keeping events sent before start answered', async () => {
    handle('train.start', () => {
      // the engine emits at once: these arrive before the answer with the job id
      emit('job.event', { jobId: 'j1', event: { type: 'log', level: 'info', message: 'backend: wasm, the fastest' } });
      emit('job.event', { jobId: 'j1', event: { type: 'phase', phase: 'extract', message: 'extracting' } });
      return { jobId: 'j1' };
    });
    const training = useTrainingStore();
    await training.start();
    emit('job.event', { jobId: 'other', event: epoch(9) });
    emit('job.event', { jobId: 'j1', event: epoch(1) });
    emit('job.event', { jobId: 'j1', event: { type: 'progress', phase: 'train', done: 4, total: 12, unit: 'samples', perSecond: 100, etaSeconds: 3 } });
    expect(training.backendNote).toBe('wasm, the fastest');
    expect(training.phase?.phase).toBe('extract');
    expect(training.epochs.map((e) => e.epoch)).toEqual([1]);
    expect(training.progress?.done).toBe(4);
    expect(training.lastEpoch?.rssMiB).toBe(300);
  });

  it('keeps the early events of a second job too, not only of the first', async () => {
    let n = 0;
    handle('train.start', () => {
      const jobId = `j${++n}`;
      emit('job.event', { jobId, event: { type: 'log', level: 'info', message: `backend: run ${n}` } });
      return { jobId };
    });
    const training = useTrainingStore();
    await training.start();
    emit('job.finished', { jobId: 'j1', status: 'cancelled', runDir: null, run: null, error: null });
    await training.start();
    expect(training.jobId).toBe('j2');
    expect(training.backendNote).toBe('run 2');
  });

  it('adds a finished run to the project', async () => {
    handle('train.start', () => ({ jobId: 'j1' }));
    const training = useTrainingStore();
    await training.start();
    emit('job.finished', { jobId: 'j1', status: 'done', runDir: '/work/runs/j1', run: sampleRun('run-j1'), error: null });
    expect(training.status).toBe('done');
    expect(training.runId).toBe('run-j1');
    expect(useProjectStore().runs.map((r) => r.runDir)).toEqual(['/work/runs/j1']);
  });

  it('shows a failed run with the engine message and hint', async () => {
    handle('train.start', () => ({ jobId: 'j1' }));
    const training = useTrainingStore();
    await training.start();
    emit('job.finished', { jobId: 'j1', status: 'failed', runDir: null, run: null, error: { code: 'OUT_OF_MEMORY', message: 'Ran out of memory.', hint: 'Lower the batch size.' } });
    expect(training.status).toBe('failed');
    expect(useNoticeStore().notices[0]).toMatchObject({ context: 'Training', message: 'Ran out of memory.', hint: 'Lower the batch size.' });
    expect(useProjectStore().runs).toHaveLength(0);
  });

  it('redraws a run in progress after a reload, without doubling epochs it hears twice', async () => {
    const events: JobEvent[] = [{ type: 'phase', phase: 'train', message: 'training' }, epoch(1), epoch(2)];
    handle('train.current', () => {
      emit('job.event', { jobId: 'j7', event: epoch(2) });
      return { job: { jobId: 'j7', status: 'running', startedAt: '2026-01-01T00:00:00Z', events, runDir: null, error: null, runs: [{ index: 0, label: 'one run', status: 'running', runDir: null, error: null, resumable: false }], current: 0 } };
    });
    const training = useTrainingStore();
    await training.resume();
    expect(training.jobId).toBe('j7');
    expect(training.running).toBe(true);
    expect(training.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    emit('job.event', { jobId: 'j7', event: epoch(3) });
    expect(training.lastEpoch?.epoch).toBe(3);
  });

  it("counts epochs against the job's own plan before its first epoch ends, not the Train step's form", async () => {
    // a lab experiment of 20 epochs while the form says 10: "epoch 0 / 10" was shown until epoch 1
    handle('sweep.start', () => ({ jobId: 'j2', runs: [{ index: 0, label: 'lr 0.01', epochs: 20 }, { index: 1, label: 'lr 0.1', epochs: 20 }] }));
    const training = useTrainingStore();
    useTrainConfigStore().setConfig({ epochs: 10 });
    expect(await training.startSweep({ learningRate: [0.01, 0.1] }, { config: { epochs: 20 } })).toBe(true);
    emit('job.event', { jobId: 'j2', event: { type: 'phase', phase: 'extract', message: 'extracting' } });
    expect(training.plannedEpochs).toBe(20);
    // a single run keeps the epochs it started with when the form changes under it
    handle('train.start', () => ({ jobId: 'j3' }));
    emit('job.finished', { jobId: 'j2', status: 'done', runDir: null, run: null, error: null });
    useTrainConfigStore().setConfig({ epochs: 30 });
    await training.start();
    useTrainConfigStore().setConfig({ epochs: 5 });
    expect(training.plannedEpochs).toBe(30);
  });

  it("a reloaded window counts against the job's plan too", async () => {
    handle('train.current', () => ({ job: { jobId: 'j8', status: 'running', startedAt: '2026-01-01T00:00:00Z', events: [{ type: 'phase', phase: 'extract', message: 'extracting' }], runDir: null, error: null, runs: [{ index: 0, label: 'one run', status: 'running', runDir: null, error: null, resumable: false, epochs: 40 }], current: 0 } }));
    const training = useTrainingStore();
    await training.resume();
    expect(training.plannedEpochs).toBe(40);
  });

  it('asks the engine to stop the running job', async () => {
    handle('train.start', () => ({ jobId: 'j1' }));
    handle('train.stop', () => ({ stopped: true }));
    const training = useTrainingStore();
    await training.start();
    await training.stop();
    expect(sent('train.stop')).toEqual([{ jobId: 'j1' }]);
    expect(training.stopping).toBe(false);
  });

  it('reports a refused start and clears its flag', async () => {
    fail('train.start', { code: 'BAD_ARGUMENT', message: 'A training run is already in progress.', hint: 'Wait for it to finish, or stop it first.' });
    const training = useTrainingStore();
    expect(await training.start()).toBe(false);
    expect(training.starting).toBe(false);
    expect(training.running).toBe(false);
    expect(useNoticeStore().notices[0]?.hint).toBe('Wait for it to finish, or stop it first.');
  });
});
