// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProjectFile } from '../api/types';
import { sampleInspection, sampleRun, sampleScan } from '../testing/fixtures';
import { fail, handle, resetApi, sent } from '../testing/mockApi';
import { useDatasetStore } from './dataset';
import { useFreezeStore } from './freeze';
import { useModelStore } from './model';
import { useNoticeStore } from './notices';
import { useProjectStore } from './project';
import { useRecentProjectsStore } from './recentProjects';
import { useTrainConfigStore } from './trainConfig';

vi.mock('../api/client', () => import('../testing/mockApi'));

/** what project.save answers: the project with each run's weights moved beside the file */
function savedAs(file: string, project: ProjectFile): { file: string; project: ProjectFile } {
  return { file, project: { ...project, runs: project.runs.map((r) => ({ ...r, weightsDir: `${file}.d/runs/${r.id}` })) } };
}

describe('useProjectStore', () => {
  beforeEach(() => {
    resetApi();
    sessionStorage.clear();
    localStorage.clear();
    setActivePinia(createPinia());
    handle('models.inspect', ({ source }) => sampleInspection(source));
    handle('dataset.scan', ({ path }) => sampleScan(path));
    handle('project.recent', () => ({ entries: [] }));
  });

  it('is clean when new, and dirty once the work changes', async () => {
    const project = useProjectStore();
    expect(project.dirty).toBe(false);
    await useDatasetStore().scanFolder('/data/pets');
    expect(project.dirty).toBe(true);
  });

  it('asks where to save a project that has no file yet', async () => {
    expect(await useProjectStore().save()).toBe('needs-file');
  });

  it('saves the project file shape, follows the runs to their new folder, and is clean after', async () => {
    handle('project.save', ({ file, project }) => savedAs(file, project as ProjectFile));
    const project = useProjectStore();
    await useDatasetStore().scanFolder('/data/pets');
    await useModelStore().use('/models/mnv2');
    handle('freeze.plan', () => ({
      cut: 'Conv1',
      cutShape: [112, 112, 32],
      pooling: 'avg',
      featureDim: 32,
      frozenParams: 864,
      trainableParams: 66,
      cacheBytesPerImage: 128,
      extractMemoryMiB: 10,
      trainMemoryMiB: 1,
      fineTune: null,
      fineTuneUnavailable: null,
    }));
    await useFreezeStore().selectCut('Conv1');
    useTrainConfigStore().setConfig({ epochs: 7 });
    project.addRun('/work/runs/run-1', sampleRun('run-1'));
    project.setNotes('dogs look like cats at 28 px');

    expect(await project.saveAs('/lab/pets.tlab')).toBe(true);
    const body = sent('project.save')[0]!;
    expect(body.file).toBe('/lab/pets.tlab');
    expect(body.project).toMatchObject({
      formatVersion: 1,
      name: 'pets',
      dataset: { path: '/data/pets', split: { val: 0.1, test: 0.2 }, classes: ['cat', 'dog'] },
      model: { source: '/models/mnv2', name: 'mobilenet_v2', format: 'layers' },
      freeze: { cut: 'Conv1', fineTuneLayers: 0 },
      training: { epochs: 7 },
      notes: 'dogs look like cats at 28 px',
      runs: [{ id: 'run-1', weightsDir: '/work/runs/run-1' }],
    });
    expect(project.file).toBe('/lab/pets.tlab');
    expect(project.runs[0]!.runDir).toBe('/lab/pets.tlab.d/runs/run-1');
    expect(project.dirty).toBe(false);
    expect(project.saving).toBe(false);
    useTrainConfigStore().setConfig({ epochs: 8 });
    expect(project.dirty).toBe(true);
    expect(project.title.startsWith('● pets')).toBe(true);
  });

  it('keeps the old name and reports the engine error when saving fails', async () => {
    fail('project.save', { code: 'DISK_FULL', message: 'The disk is full.', hint: 'Free some space.' });
    const project = useProjectStore();
    expect(await project.saveAs('/lab/pets.tlab')).toBe(false);
    expect(project.name).toBe('Untitled project');
    expect(project.saving).toBe(false);
    expect(useNoticeStore().notices[0]).toMatchObject({ code: 'DISK_FULL', hint: 'Free some space.' });
  });

  it('opens a project into every store, rescans its dataset, and is clean', async () => {
    let stored: ProjectFile | null = null;
    handle('project.save', ({ file, project }) => {
      stored = savedAs(file, project as ProjectFile).project;
      return { file, project: stored };
    });
    const first = useProjectStore();
    await useDatasetStore().scanFolder('/data/pets');
    await useModelStore().use('/models/mnv2');
    useTrainConfigStore().setConfig({ learningRate: 0.05 });
    first.addRun('/work/runs/run-1', sampleRun('run-1'));
    await first.saveAs('/lab/pets.tlab');

    setActivePinia(createPinia());
    handle('project.open', ({ file }) => ({ file, project: stored!, datasetMissing: false }));
    const project = useProjectStore();
    expect(await project.open('/lab/pets.tlab')).toBe(true);
    await project.settled();
    expect(useDatasetStore().scan?.root).toBe('/data/pets');
    expect(useModelStore().ready).toBe(true);
    expect(useTrainConfigStore().config.learningRate).toBe(0.05);
    expect(project.runs.map((r) => r.record.id)).toEqual(['run-1']);
    expect(project.dirty).toBe(false);
  });

  it('survives a reload through its session draft, runs re-read from their folders', async () => {
    handle('run.read', ({ runDir }) => sampleRun(runDir.split('/').pop()));
    const project = useProjectStore();
    await useDatasetStore().scanFolder('/data/pets');
    project.setName('Pets');
    project.addRun('/work/runs/run-1', sampleRun('run-1'));
    project.saveDraft();

    setActivePinia(createPinia());
    const again = useProjectStore();
    expect(await again.restoreDraft()).toBe(true);
    await again.settled();
    expect(again.name).toBe('Pets');
    expect(again.runs.map((r) => r.record.id)).toEqual(['run-1']);
    expect(useDatasetStore().imageCount).toBe(6);
    expect(again.dirty).toBe(true);
  });

  it('says why recent projects are unavailable instead of failing', async () => {
    fail('project.recent', { code: 'UNSUPPORTED', message: 'project.recent is not available here.' });
    const recent = useRecentProjectsStore();
    await recent.load();
    expect(recent.unavailable).toBe('project.recent is not available here.');
    expect(recent.loading).toBe(false);
  });
});
