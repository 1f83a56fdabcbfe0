// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { describeExtraction } from '../../../shared/extraction';
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

const epoch = (n: number): EpochEvent => ({
  type: 'epoch',
  epoch: n,
  epochs: 3,
  loss: 1 / n,
  accuracy: 0.3 * n,
  valLoss: 1.1 / n,
  valAccuracy: 0.25 * n,
  seconds: 0.2,
  samplesPerSecond: 500,
  rssMiB: 300,
  numTensors: 10,
});

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
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    const training = useTrainingStore();
    useTrainConfigStore().setConfig({ epochs: 3, learningRate: 0.01 });
    expect(await training.start()).toBe(true);
    expect(sent('train.start')[0]).toMatchObject({
      dataset: '/data/pets',
      split: { val: 0.1, test: 0.2 },
      source: '/models/mnv2',
      cut: null,
      config: { epochs: 3, learningRate: 0.01 },
    });
    expect(training.running).toBe(true);
    expect(training.starting).toBe(false);
  });

  it('names the job before asking: events sent before start answered land on it, with no buffering', async () => {
    let named = '';
    handle('train.start', ({ jobId }) => {
      named = jobId!;
      // the engine emits at once: these arrive before the answer
      emit('job.event', {
        jobId: named,
        event: { type: 'facts', backend: { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', reason: 'wasm, the fastest' } },
      });
      emit('job.event', { jobId: named, event: { type: 'phase', phase: 'extract', message: 'extracting' } });
      return { jobId: named };
    });
    const training = useTrainingStore();
    const started = training.start();
    // the job is known before the engine has answered: starting, its events already drawn
    expect(training.jobId).toBe(named);
    expect(training.starting).toBe(true);
    expect(training.phase?.phase).toBe('extract');
    expect(await started).toBe(true);
    expect(training.running).toBe(true);
    expect(named).toMatch(/^[A-Za-z0-9-]{8,64}$/);
    emit('job.event', { jobId: 'other', event: epoch(9) });
    emit('job.event', { jobId: named, event: epoch(1) });
    emit('job.event', { jobId: named, event: { type: 'progress', phase: 'train', done: 4, total: 12, unit: 'samples', perSecond: 100, etaSeconds: 3 } });
    expect(training.backendNote).toBe('wasm, the fastest');
    expect(training.phase?.phase).toBe('extract');
    expect(training.epochs.map((e) => e.epoch)).toEqual([1]);
    expect(training.progress?.done).toBe(4);
    expect(training.lastEpoch?.rssMiB).toBe(300);
  });

  it('a job that ends before start answered ends in the view too', async () => {
    handle('train.start', ({ jobId }) => {
      emit('job.finished', {
        jobId: jobId!,
        status: 'failed',
        runDir: null,
        run: null,
        error: { code: 'DATASET_INVALID', message: 'No classes.', hint: 'Add folders.' },
      });
      return { jobId: jobId! };
    });
    const training = useTrainingStore();
    expect(await training.start()).toBe(true);
    expect(training.status).toBe('failed');
    expect(training.running).toBe(false);
  });

  it('gives each job a name of its own, and keeps the early events of a second job too', async () => {
    const names: string[] = [];
    handle('train.start', ({ jobId }) => {
      names.push(jobId!);
      emit('job.event', { jobId: jobId!, event: { type: 'facts', backend: { name: 'wasm', provider: 'wasm', reason: `run ${names.length}` } } });
      return { jobId: jobId! };
    });
    const training = useTrainingStore();
    await training.start();
    emit('job.finished', { jobId: names[0]!, status: 'cancelled', runDir: null, run: null, error: null });
    await training.start();
    expect(new Set(names).size).toBe(2);
    expect(training.jobId).toBe(names[1]);
    expect(training.backendNote).toBe('run 2');
  });

  it("lists a sweep's runs as the engine plans them, and a run that ended before the answer keeps its status", async () => {
    handle('sweep.start', ({ jobId }) => {
      emit('job.run', {
        jobId: jobId!,
        index: 0,
        label: 'lr 0.01',
        status: 'failed',
        runDir: null,
        run: null,
        error: { code: 'INTERNAL', message: 'boom' },
        resumable: false,
      });
      return {
        jobId: jobId!,
        runs: [
          { index: 0, label: 'lr 0.01', epochs: 4 },
          { index: 1, label: 'lr 0.1', epochs: 4 },
        ],
      };
    });
    const training = useTrainingStore();
    const started = training.startSweep({ learningRate: [0.01, 0.1] }, { config: { epochs: 4 } });
    // planned here with the engine's own function, before it answers
    expect(training.runs.map((r) => r.label)).toEqual(['lr 0.01', 'lr 0.1']);
    expect(await started).toBe(true);
    expect(training.runs.map((r) => [r.label, r.status, r.epochs])).toEqual([
      ['lr 0.01', 'failed', 4],
      ['lr 0.1', 'queued', 4],
    ]);
  });

  it("a refused start shows the engine's job again, as it was", async () => {
    handle('train.current', () => ({
      job: {
        jobId: 'j0',
        status: 'done',
        startedAt: '2026-01-01T00:00:00Z',
        events: [epoch(1), epoch(2)],
        runDir: '/work/runs/j0',
        error: null,
        runs: [{ index: 0, label: 'one run', status: 'done', runDir: '/work/runs/j0', error: null, resumable: false }],
        current: 0,
      },
    }));
    const training = useTrainingStore();
    await training.resume();
    fail('train.start', { code: 'DATASET_NOT_FOUND', message: 'Dataset folder not found.', hint: 'Choose it again.' });
    expect(await training.start()).toBe(false);
    expect(training.jobId).toBe('j0');
    expect(training.status).toBe('done');
    expect(training.epochs.map((e) => e.epoch)).toEqual([1, 2]);
  });

  it('reads the backend and the extractor from typed facts, not from log lines', async () => {
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    const training = useTrainingStore();
    await training.start();
    // a log line that looks like a fact is only a log line
    const j1 = training.jobId!;
    emit('job.event', { jobId: j1, event: { type: 'log', level: 'info', message: 'backend: from a log line' } });
    expect(training.backendNote).toBeNull();
    emit('job.event', {
      jobId: training.jobId!,
      event: { type: 'facts', backend: { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', reason: 'wasm: XNNPACK with SIMD' } },
    });
    emit('job.event', {
      jobId: training.jobId!,
      event: { type: 'facts', extractor: { runtime: 'onnx', backend: 'onnxruntime-node', workers: 2, threads: 1 } },
    });
    expect(training.backendNote).toBe('wasm: XNNPACK with SIMD');
    expect(training.extractorNote).toBe('ONNX Runtime on the CPU, 2 workers of 1 thread');
    // a fallback comes later and wins
    emit('job.event', {
      jobId: training.jobId!,
      event: { type: 'facts', extractor: { runtime: 'fused', backend: 'wasm', workers: 1, threads: 1, fallbackReason: 'parity check failed' } },
    });
    expect(training.extractorNote).toBe('TF.js fused graph on wasm, 1 worker (fell back: parity check failed)');
    // where the features came from follows, once they are there
    const extraction = {
      source: 'extracted' as const,
      extracted: 60,
      cached: 0,
      measurement: { images: 60, seconds: 2, imagesPerSecond: 30, measuredAt: '2026-12-05T00:00:00Z', extractor: 'fused', device: 'cpu' as const },
    };
    emit('job.event', { jobId: training.jobId!, event: { type: 'facts', extraction } });
    expect(training.extractorNote).toBe(`TF.js fused graph on wasm, 1 worker (fell back: parity check failed) — ${describeExtraction(extraction)}`);
    expect(training.logs.map((l) => l.message)).toEqual(['backend: from a log line']);
  });

  it('adds a finished run to the project', async () => {
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    const training = useTrainingStore();
    await training.start();
    emit('job.finished', { jobId: training.jobId!, status: 'done', runDir: '/work/runs/j1', run: sampleRun('run-j1'), error: null });
    expect(training.status).toBe('done');
    expect(training.runId).toBe('run-j1');
    expect(useProjectStore().runs.map((r) => r.runDir)).toEqual(['/work/runs/j1']);
  });

  it('shows a failed run with the engine message and hint', async () => {
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    const training = useTrainingStore();
    await training.start();
    emit('job.finished', {
      jobId: training.jobId!,
      status: 'failed',
      runDir: null,
      run: null,
      error: { code: 'OUT_OF_MEMORY', message: 'Ran out of memory.', hint: 'Lower the batch size.' },
    });
    expect(training.status).toBe('failed');
    expect(useNoticeStore().notices[0]).toMatchObject({ context: 'Training', message: 'Ran out of memory.', hint: 'Lower the batch size.' });
    expect(useProjectStore().runs).toHaveLength(0);
  });

  it('redraws a run in progress after a reload, without doubling epochs it hears twice', async () => {
    const events: JobEvent[] = [{ type: 'phase', phase: 'train', message: 'training' }, epoch(1), epoch(2)];
    handle('train.current', () => {
      emit('job.event', { jobId: 'j7', event: epoch(2) });
      return {
        job: {
          jobId: 'j7',
          status: 'running',
          startedAt: '2026-01-01T00:00:00Z',
          events,
          runDir: null,
          error: null,
          runs: [{ index: 0, label: 'one run', status: 'running', runDir: null, error: null, resumable: false }],
          current: 0,
        },
      };
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
    handle('sweep.start', ({ jobId }) => ({
      jobId: jobId!,
      runs: [
        { index: 0, label: 'lr 0.01', epochs: 20 },
        { index: 1, label: 'lr 0.1', epochs: 20 },
      ],
    }));
    const training = useTrainingStore();
    useTrainConfigStore().setConfig({ epochs: 10 });
    expect(await training.startSweep({ learningRate: [0.01, 0.1] }, { config: { epochs: 20 } })).toBe(true);
    emit('job.event', { jobId: training.jobId!, event: { type: 'phase', phase: 'extract', message: 'extracting' } });
    expect(training.plannedEpochs).toBe(20);
    expect(training.epochsDone).toBe('0 / 20 epochs done');
    // a single run keeps the epochs it started with when the form changes under it
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    emit('job.finished', { jobId: training.jobId!, status: 'done', runDir: null, run: null, error: null });
    useTrainConfigStore().setConfig({ epochs: 30 });
    await training.start();
    useTrainConfigStore().setConfig({ epochs: 5 });
    expect(training.plannedEpochs).toBe(30);
  });

  it('reuses a finished run with exactly the same settings instead of training it again, and says so', async () => {
    const project = useProjectStore();
    project.startLab('transfer-learning');
    // made before (in Experiments, say) with what the sweep's lr 0.01 run would use
    const made = sampleRun('run-made');
    made.dataset.counts = { train: 2, val: 2, test: 2 };
    made.config = { ...made.config, epochs: 20, learningRate: 0.01 };
    project.addRun('/work/runs/run-made', made);
    handle('sweep.start', () => ({ jobId: 'j4', runs: [{ index: 0, label: 'lr 0.1', epochs: 20, planIndex: 1 }] }));
    const training = useTrainingStore();
    const reuse = project.runs as unknown as { runDir: string; record: typeof made }[];
    expect(await training.startSweep({ learningRate: [0.01, 0.1] }, { config: { epochs: 20 }, labTask: 'learning-rate', reuse })).toBe(true);
    expect(sent('sweep.start')[0]).toMatchObject({ skip: [0] });
    expect(training.reused).toEqual([{ planIndex: 0, label: 'lr 0.01', runId: 'run-made', runDir: '/work/runs/run-made' }]);
    expect(training.runs.map((r) => r.label)).toEqual(['lr 0.1']);
    // the lab task counts it as its own
    expect(project.lab?.runs['learning-rate']).toEqual(['run-made']);
    expect(project.runs).toHaveLength(1);
  });

  it('trains nothing when every planned run was made before, and trains again when any setting differs (the seed)', async () => {
    const project = useProjectStore();
    const runs = [0.01, 0.1].map((lr) => {
      const r = sampleRun(`run-${lr}`);
      r.dataset.counts = { train: 2, val: 2, test: 2 };
      r.config = { ...r.config, learningRate: lr };
      return r;
    });
    for (const r of runs) project.addRun(`/work/runs/${r.id}`, r);
    const reuse = project.runs as unknown as { runDir: string; record: (typeof runs)[0] }[];
    const training = useTrainingStore();
    expect(await training.startSweep({ learningRate: [0.01, 0.1] }, { reuse })).toBe(true);
    expect(sent('sweep.start')).toEqual([]);
    expect(training.reused.map((r) => r.runId)).toEqual(['run-0.01', 'run-0.1']);
    expect(training.running).toBe(false);

    handle('sweep.start', () => ({
      jobId: 'j5',
      runs: [
        { index: 0, label: 'lr 0.01', epochs: 20, planIndex: 0 },
        { index: 1, label: 'lr 0.1', epochs: 20, planIndex: 1 },
      ],
    }));
    useTrainConfigStore().setConfig({ seed: 7 });
    expect(await training.startSweep({ learningRate: [0.01, 0.1] }, { reuse })).toBe(true);
    expect(sent('sweep.start')[0]!.skip).toBeUndefined();
    expect(training.reused).toEqual([]);
  });

  it("a reloaded window counts against the job's plan too", async () => {
    handle('train.current', () => ({
      job: {
        jobId: 'j8',
        status: 'running',
        startedAt: '2026-01-01T00:00:00Z',
        events: [{ type: 'phase', phase: 'extract', message: 'extracting' }],
        runDir: null,
        error: null,
        runs: [{ index: 0, label: 'one run', status: 'running', runDir: null, error: null, resumable: false, epochs: 40 }],
        current: 0,
      },
    }));
    const training = useTrainingStore();
    await training.resume();
    expect(training.plannedEpochs).toBe(40);
  });

  it('asks the engine to stop the running job, and is stopping until the job has ended', async () => {
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    handle('train.stop', () => ({ stopped: true }));
    const training = useTrainingStore();
    await training.start();
    await training.stop();
    const jobId = sent('train.start')[0]!.jobId!;
    expect(sent('train.stop')).toEqual([{ jobId }]);
    // the engine stops at its next safe point, seconds later: "stopping…" until the job has ended
    expect(training.stopping).toBe(true);
    await training.stop();
    expect(sent('train.stop')).toHaveLength(1);
    emit('job.finished', { jobId, status: 'cancelled', runDir: null, run: null, error: null });
    expect(training.stopping).toBe(false);
    expect(training.running).toBe(false);
  });

  it('is not left stopping when the job had already ended, or the stop was refused', async () => {
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    handle('train.stop', () => ({ stopped: false }));
    const training = useTrainingStore();
    await training.start();
    await training.stop();
    expect(training.stopping).toBe(false);
    fail('train.stop', { code: 'INTERNAL', message: 'The engine is not answering.' });
    await training.stop();
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
