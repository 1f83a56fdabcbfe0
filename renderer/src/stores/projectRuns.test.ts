// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultTrainConfig } from '../../../shared/run';
import type { JobSnapshot, ProjectFile } from '../api/types';
import { sampleInspection, sampleRun, sampleScan } from '../testing/fixtures';
import { emit, fail, handle, resetApi, sent } from '../testing/mockApi';
import { newProject } from '../../../shared/project';
import { useDatasetStore } from './dataset';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';
import { useProjectStore } from './project';
import { recoverableDrafts } from './projectDrafts';
import { joinedMessage, lastForm, rereadRuns, runsFinishedElsewhere, withRun, withSavedDirs } from './projectRuns';
import { useTrainConfigStore } from './trainConfig';
import { useTrainingStore } from './training';

vi.mock('../api/client', () => import('../testing/mockApi'));

/**
 * The renderer's side of "a run that finishes while no window is open joins its project":
 * jobs carry the project they belong to; opening the project, or restoring its draft, takes
 * in the runs the engine kept for it; another project's job stays out of this one.
 */
const pets: ProjectFile = { ...newProject('Pets'), training: { ...defaultTrainConfig, learningRate: 0.001 } };
const snapshot = (owner: JobSnapshot['owner'], status: JobSnapshot['status'] = 'done'): JobSnapshot => ({
  jobId: 'job-1',
  owner,
  status,
  startedAt: '2026-01-01T00:00:00Z',
  events: [
    {
      type: 'epoch',
      epoch: 1,
      epochs: 3,
      loss: 1,
      accuracy: 0.5,
      valLoss: 1,
      valAccuracy: 0.5,
      seconds: 0.1,
      samplesPerSecond: 100,
      rssMiB: 300,
      numTensors: 5,
    },
  ],
  runDir: '/work/runs/run-late',
  error: null,
  runs: [{ index: 0, label: 'one run', status, runDir: '/work/runs/run-late', error: null, resumable: false }],
  current: 0,
});

describe('runs that finished while no window had their project open', () => {
  beforeEach(() => {
    resetApi();
    sessionStorage.clear();
    localStorage.clear();
    setActivePinia(createPinia());
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('dataset.scan', ({ path }) => sampleScan(path));
    handle('project.recent', () => ({ entries: [] }));
    handle('project.open', ({ file }) => ({ file, project: pets, datasetMissing: false }));
    handle('run.read', ({ runDir }) => sampleRun(runDir.split('/').pop()));
  });

  it('join the project when it is opened: dirty, the Train form as the run started, a notice to save', async () => {
    handle('project.finishedRuns', ({ owner }) => ({
      runs:
        owner.file === '/lab/pets.tlab'
          ? [
              {
                runDir: '/work/runs/run-late',
                record: sampleRun('run-late'),
                finishedAt: '2026-01-02T00:00:00Z',
                form: { ...defaultTrainConfig, learningRate: 0.02 },
              },
            ]
          : [],
    }));
    handle('train.current', () => ({ job: snapshot({ draftId: 'the-closed-tab', file: '/lab/pets.tlab' }) }));
    const project = useProjectStore();
    expect(await project.open('/lab/pets.tlab')).toBe(true);
    expect(sent('project.finishedRuns')[0]).toEqual({ owner: { draftId: project.owner.draftId, file: '/lab/pets.tlab' }, have: [] });
    expect(project.runs.map((r) => r.record.id)).toEqual(['run-late']);
    expect(project.dirty).toBe(true);
    expect(useTrainConfigStore().config.learningRate).toBe(0.02);
    expect(useNoticeStore().notices).toEqual([
      expect.objectContaining({ level: 'info', message: '1 run finished while the app was closed and was added; save to keep it.' }),
    ]);
    // the job's curves are shown, beside the project they belong to
    await vi.waitFor(() => expect(useTrainingStore().jobId).toBe('job-1'));
    expect(useTrainingStore().epochs).toHaveLength(1);
  });

  it('join without undoing Train settings the user changed while the project was opening', async () => {
    let answer!: (v: { runs: { runDir: string; record: ReturnType<typeof sampleRun>; finishedAt: string; form: typeof defaultTrainConfig }[] }) => void;
    handle('project.finishedRuns', () => new Promise((r) => (answer = r)));
    handle('train.current', () => ({ job: null }));
    const project = useProjectStore();
    const opening = project.open('/lab/pets.tlab');
    await vi.waitFor(() => expect(sent('project.finishedRuns')).toHaveLength(1));
    // the project is shown; the user edits the form before the engine's answer arrives
    useTrainConfigStore().setConfig({ epochs: 400 });
    answer({
      runs: [{ runDir: '/work/runs/run-late', record: sampleRun('run-late'), finishedAt: '2026-01-02T00:00:00Z', form: { ...defaultTrainConfig, epochs: 14 } }],
    });
    expect(await opening).toBe(true);
    expect(project.runs.map((r) => r.record.id)).toEqual(['run-late']);
    expect(useTrainConfigStore().config.epochs).toBe(400);
  });

  it("another project's job is not shown, and its run does not join this project", async () => {
    handle('project.finishedRuns', () => ({ runs: [] }));
    handle('train.current', () => ({ job: snapshot({ draftId: 'another-tab-xyz', file: '/lab/birds.tlab' }, 'running') }));
    const project = useProjectStore();
    await project.open('/lab/pets.tlab');
    const training = useTrainingStore();
    await training.resume();
    expect(training.jobId).toBeNull();
    expect(training.status).toBe('idle');
    expect(training.epochs).toEqual([]);
    emit('job.finished', { jobId: 'job-1', status: 'done', runDir: '/work/runs/run-birds', run: sampleRun('run-birds'), error: null });
    expect(project.runs).toEqual([]);
  });

  it('a job started here carries this project, and its runs join it when they end here', async () => {
    handle('models.inspect', ({ source }) => sampleInspection(source));
    await useModelStore().use('/models/mnv2');
    await useDatasetStore().scanFolder('/data/pets');
    handle('train.start', ({ jobId }) => ({ jobId: jobId! }));
    const project = useProjectStore();
    const training = useTrainingStore();
    expect(await training.start()).toBe(true);
    expect(sent('train.start')[0]!.owner).toEqual({ draftId: project.owner.draftId, file: null });
    emit('job.finished', { jobId: training.jobId!, status: 'done', runDir: '/work/runs/run-here', run: sampleRun('run-here'), error: null });
    expect(project.runs.map((r) => r.record.id)).toEqual(['run-here']);
    handle('project.save', ({ file, project: p }) => ({ file, project: p as ProjectFile }));
    await project.saveAs('/lab/pets.tlab');
    // saving tells the engine who the project was, so runs still to end follow it to its file
    expect(sent('project.save')[0]!.owner).toEqual({ draftId: project.owner.draftId, file: null });
  });

  it('an untitled project survives a closed browser: the Start page offers its draft, and its runs join on recovery', async () => {
    handle('project.finishedRuns', () => ({ runs: [] }));
    const project = useProjectStore();
    await useDatasetStore().scanFolder('/data/pets');
    project.setName('Pets, unsaved');
    project.addRun('/work/runs/run-1', sampleRun('run-1'));
    project.saveDraft();
    const id = project.owner.draftId;

    // the browser closes: this tab's session is gone, the browser's storage is not
    sessionStorage.clear();
    setActivePinia(createPinia());
    const again = useProjectStore();
    expect(await again.restoreDraft()).toBe(false);
    expect(recoverableDrafts(again.owner.draftId)).toEqual([expect.objectContaining({ id, name: 'Pets, unsaved', file: null, runs: 1 })]);
    handle('project.finishedRuns', ({ owner }) => ({
      runs: owner.draftId === id ? [{ runDir: '/work/runs/run-2', record: sampleRun('run-2'), finishedAt: '2026-01-02T00:00:00Z', form: null }] : [],
    }));
    expect(await again.recoverDraft(id)).toBe(true);
    expect(again.name).toBe('Pets, unsaved');
    expect(again.owner.draftId).toBe(id);
    expect(again.runs.map((r) => r.record.id)).toEqual(['run-1', 'run-2']);
    expect(again.dirty).toBe(true);
  });
});

describe("the project's runs", () => {
  beforeEach(() => resetApi());
  const record = (id: string) => sampleRun(id);

  it('holds a run once, by its id', () => {
    const runs = withRun([], '/work/runs/r1', record('r1'));
    expect(withRun(runs, '/elsewhere/r1', record('r1'))).toBe(runs);
    expect(withRun(runs, '/work/runs/r2', record('r2')).map((r) => r.runDir)).toEqual(['/work/runs/r1', '/work/runs/r2']);
  });

  it('follows runs to where saving put them, and leaves the others', () => {
    const runs = [
      { runDir: '/work/runs/r1', record: record('r1') },
      { runDir: '/lab/p.tlab.d/runs/r0', record: record('r0') },
    ];
    const saved = withSavedDirs(runs, [{ id: 'r1', weightsDir: '/lab/p.tlab.d/runs/r1' }]);
    expect(saved.map((r) => r.runDir)).toEqual(['/lab/p.tlab.d/runs/r1', '/lab/p.tlab.d/runs/r0']);
  });

  it('takes the Train settings of the latest run that said them, and says how many runs joined', () => {
    const found = (id: string, lr: number | null) => ({
      runDir: `/work/runs/${id}`,
      record: record(id),
      finishedAt: '2026-01-02T00:00:00Z',
      form: lr === null ? null : { ...defaultTrainConfig, learningRate: lr },
    });
    expect(lastForm([found('a', 0.1), found('b', 0.2), found('c', null)])?.learningRate).toBe(0.2);
    expect(lastForm([found('c', null)])).toBeNull();
    expect(joinedMessage(1)).toBe('1 run finished while the app was closed and was added; save to keep it.');
    expect(joinedMessage(3)).toBe('3 runs finished while the app was closed and were added; save to keep them.');
  });

  it("re-reads a draft's runs from their folders, leaving out a folder that is gone", async () => {
    handle('run.read', ({ runDir }) => {
      if (runDir.endsWith('gone')) throw new Error('no such folder');
      return sampleRun(runDir.split('/').pop());
    });
    const read = await rereadRuns([{ runDir: '/work/runs/r1', label: 'one' }, { runDir: '/work/runs/gone' }]);
    expect(read).toEqual([{ runDir: '/work/runs/r1', label: 'one', record: expect.objectContaining({ id: 'r1' }) }]);
  });

  it('hears of no runs from an engine that cannot tell', async () => {
    fail('project.finishedRuns', { code: 'INTERNAL', message: 'The engine is not answering.' });
    expect(await runsFinishedElsewhere({ draftId: 'd', file: null }, [])).toEqual([]);
  });
});
