import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleRunRecord } from '../../../shared/project.fixtures';
import { defaultTrainConfig } from '../../../shared/run';
import { ProjectRunLog } from './projectRuns';

let root: string;
let log: ProjectRunLog;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-project-runs-'));
  log = new ProjectRunLog(path.join(root, 'data', 'project-runs.json'));
});
afterEach(() => fsp.rm(root, { recursive: true, force: true }));

/** a finished run folder, as training leaves it */
async function finishedRun(id: string): Promise<string> {
  const dir = path.join(root, 'runs', id);
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'run.json'), JSON.stringify(sampleRunRecord(id)));
  return dir;
}

const draftA = { draftId: 'draft-aaaa-1111', file: null };

describe('runs that finished for a project no window had open', () => {
  it('are handed to the draft that started them, once, and to no other project', async () => {
    await log.add(draftA, { id: 'run-1' }, await finishedRun('run-1'), { ...defaultTrainConfig, learningRate: 0.05 });
    const runs = await log.finished(draftA, []);
    expect(runs.map((r) => [r.record.id, r.form?.learningRate])).toEqual([['run-1', 0.05]]);
    expect(await log.finished(draftA, ['run-1'])).toEqual([]);
    expect(await log.finished({ draftId: 'draft-bbbb-2222', file: null }, [])).toEqual([]);
    expect(await log.finished({ draftId: 'draft-bbbb-2222', file: path.join(root, 'other.tlab') }, [])).toEqual([]);
  });

  it('follow a project to its file: by the file it had, or the file its draft was saved as while they ran', async () => {
    const file = path.join(root, 'lab', 'pets.tlab');
    await log.add({ draftId: 'draft-with-file', file }, { id: 'run-f' }, await finishedRun('run-f'), null);
    // an untitled project is saved while its run is still going; the run ends after
    await log.saved(draftA, file, []);
    await log.add(draftA, { id: 'run-d' }, await finishedRun('run-d'), null);
    const another = { draftId: 'window-reopened', file };
    expect((await log.finished(another, [])).map((r) => r.record.id)).toEqual(['run-f', 'run-d']);
    // saved again as another file: what its draft made goes with it
    const copy = path.join(root, 'lab', 'copy.tlab');
    await log.saved(draftA, copy, []);
    expect((await log.finished(another, [])).map((r) => r.record.id)).toEqual(['run-f']);
    expect((await log.finished({ draftId: 'window-3-xxxx', file: copy }, [])).map((r) => r.record.id)).toEqual(['run-d']);
  });

  it('a run the user removed from the project is not handed back to it, and its folder stays', async () => {
    const dir = await finishedRun('run-x');
    await log.add(draftA, { id: 'run-x' }, dir, null);
    await log.add(draftA, { id: 'run-y' }, await finishedRun('run-y'), null);
    await log.forget(['run-x']);
    expect((await log.finished(draftA, [])).map((r) => r.record.id)).toEqual(['run-y']);
    expect(fs.existsSync(path.join(dir, 'run.json'))).toBe(true);
  });

  it('are forgotten once a save of their project holds them, or their folder is gone', async () => {
    const file = path.join(root, 'lab', 'pets.tlab');
    const owner = { draftId: 'draft-with-file', file };
    await log.add(owner, { id: 'run-1' }, await finishedRun('run-1'), null);
    await log.add(owner, { id: 'run-2' }, await finishedRun('run-2'), null);
    await log.saved({ draftId: 'other-window-1', file }, file, ['run-1']);
    expect((await log.finished({ draftId: 'later-window', file }, [])).map((r) => r.record.id)).toEqual(['run-2']);
    await fsp.rm(path.join(root, 'runs', 'run-2'), { recursive: true });
    expect(await log.finished({ draftId: 'later-window', file }, [])).toEqual([]);
    const onDisk = JSON.parse(fs.readFileSync(path.join(root, 'data', 'project-runs.json'), 'utf8'));
    expect(onDisk.entries.map((e: { runId: string }) => e.runId)).toEqual(['run-2']);
    await log.add(owner, { id: 'run-3' }, await finishedRun('run-3'), null);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'data', 'project-runs.json'), 'utf8')).entries.map((e: { runId: string }) => e.runId)).toEqual(['run-3']);
  });

  it('survive a damaged log as an empty one, never an error', async () => {
    await fsp.mkdir(path.join(root, 'data'), { recursive: true });
    await fsp.writeFile(path.join(root, 'data', 'project-runs.json'), '{"formatVersion": 1, "entr');
    expect(await log.finished(draftA, [])).toEqual([]);
    await log.add(draftA, { id: 'run-1' }, await finishedRun('run-1'), null);
    expect((await log.finished(draftA, [])).map((r) => r.record.id)).toEqual(['run-1']);
  });
});
