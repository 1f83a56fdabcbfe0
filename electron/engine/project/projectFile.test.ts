import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isTransferLabError } from '../../../shared/errors';
import { newProject, projectFormatVersion, type Project } from '../../../shared/project';
import { sampleRunRecord } from '../../../shared/project.fixtures';
import {
  fromStoredModelSource,
  fromStoredPath,
  loadProject,
  projectDataDir,
  relocateDataset,
  resolveProjectPaths,
  saveProject,
  storeRunWeights,
  toStoredModelSource,
  toStoredPath,
} from './projectFile';

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'tlab-project-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fsp.rm(root, { recursive: true, force: true });
});

/** a project folder with a dataset folder inside it and a project pointing at it */
async function makeProject(folder = path.join(root, 'lab')): Promise<{ file: string; project: Project; dataset: string }> {
  const dataset = path.join(folder, 'photos');
  await fsp.mkdir(path.join(dataset, 'cat'), { recursive: true });
  const file = path.join(folder, 'pets.tlab');
  const project = newProject('Pets', { now: new Date('2026-01-01T00:00:00Z') });
  project.dataset = { path: toStoredPath(file, dataset), split: { val: 0.1, test: 0.2 }, classes: ['cat'] };
  project.runs.push({ ...sampleRunRecord('run-1'), weightsDir: 'pets.tlab.d/runs/run-1' });
  project.notes = 'Day 1: the cats look easy.';
  return { file, project, dataset };
}

async function expectLoadError(file: string, code: string): Promise<string> {
  const before = await fsp.readFile(file);
  const mtime = (await fsp.stat(file)).mtimeMs;
  const error = await loadProject(file).then(
    () => {
      throw new Error('expected the load to fail');
    },
    (e: unknown) => e,
  );
  if (!isTransferLabError(error)) throw error;
  expect(error.code).toBe(code);
  expect(error.message).toContain(file);
  // a file that fails to load is never written
  expect(await fsp.readFile(file)).toEqual(before);
  expect((await fsp.stat(file)).mtimeMs).toBe(mtime);
  return error.message;
}

describe('stored paths', () => {
  const file = '/home/student/lab/pets.tlab';
  it('are relative inside or near the project folder, absolute further away', () => {
    expect(toStoredPath(file, '/home/student/lab/photos/pets')).toBe('photos/pets');
    expect(toStoredPath(file, '/home/student/lab')).toBe('.');
    expect(toStoredPath(file, '/home/student/photos')).toBe('../photos');
    expect(toStoredPath(file, '/home/photos')).toBe('../../photos');
    expect(toStoredPath(file, '/photos')).toBe('/photos');
    expect(toStoredPath(file, '/mnt/usb/photos')).toBe('/mnt/usb/photos');
  });

  it('resolve against the project file', () => {
    expect(fromStoredPath(file, 'photos/pets')).toBe('/home/student/lab/photos/pets');
    expect(fromStoredPath(file, '../../photos')).toBe('/home/photos');
    expect(fromStoredPath(file, '/mnt/usb/photos')).toBe('/mnt/usb/photos');
  });

  it('keep a relative model folder distinguishable from a catalog id or an address', () => {
    expect(toStoredModelSource(file, '/home/student/lab/mymodel')).toBe('./mymodel');
    expect(toStoredModelSource(file, '/home/student/models/m')).toBe('../models/m');
    expect(toStoredModelSource(file, 'mobilenet_v2_100_224')).toBe('mobilenet_v2_100_224');
    expect(toStoredModelSource(file, 'https://example.org/model.json')).toBe('https://example.org/model.json');
    expect(fromStoredModelSource(file, './mymodel')).toBe('/home/student/lab/mymodel');
    expect(fromStoredModelSource(file, 'mobilenet_v2_100_224')).toBe('mobilenet_v2_100_224');
  });

  it('name the data folder beside the project file', () => {
    expect(projectDataDir(file)).toBe('/home/student/lab/pets.tlab.d');
  });
});

describe('saveProject and loadProject', () => {
  it('round-trips a project as pretty JSON with a fresh updatedAt', async () => {
    const { file, project, dataset } = await makeProject();
    const saved = await saveProject(file, project, new Date('2026-02-03T04:05:06Z'));
    expect(saved.updatedAt).toBe('2026-02-03T04:05:06.000Z');
    const text = await fsp.readFile(file, 'utf8');
    expect(text).toMatch(/^\{\n {2}"formatVersion": 1,\n/);
    expect(fs.readdirSync(path.dirname(file)).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    const loaded = await loadProject(file);
    expect(loaded).toEqual({ project: saved, file, datasetAbsolute: dataset, datasetMissing: false });
    expect(loaded.project.dataset?.path).toBe('photos');
  });

  it('stores absolute paths relative on save, and Save As elsewhere keeps them right', async () => {
    const { file, project, dataset } = await makeProject();
    const model = path.join(path.dirname(file), 'models', 'mine');
    const absolute: Project = {
      ...resolveProjectPaths(file, project),
      model: { source: model, name: 'Mine', format: 'layers', preprocessing: sampleRunRecord().model.preprocessing },
    };
    expect(absolute.dataset?.path).toBe(dataset);
    expect(absolute.runs[0]!.weightsDir).toBe(path.join(projectDataDir(file), 'runs', 'run-1'));

    const saved = await saveProject(file, absolute);
    expect([saved.dataset?.path, saved.model?.source, saved.runs[0]!.weightsDir]).toEqual(['photos', './models/mine', 'pets.tlab.d/runs/run-1']);

    const other = path.join(root, 'elsewhere', 'copy.tlab');
    const copy = await saveProject(other, resolveProjectPaths(file, saved));
    expect([copy.dataset?.path, copy.model?.source]).toEqual(['../lab/photos', '../lab/models/mine']);
    expect((await loadProject(other)).datasetAbsolute).toBe(dataset);
  });

  it('keeps finding the dataset when the project folder moves together with it', async () => {
    const { file, project } = await makeProject();
    await saveProject(file, project);
    const moved = path.join(root, 'usb', 'lab-copy');
    await fsp.mkdir(path.dirname(moved));
    await fsp.rename(path.dirname(file), moved);
    const loaded = await loadProject(path.join(moved, 'pets.tlab'));
    expect(loaded.datasetAbsolute).toBe(path.join(moved, 'photos'));
    expect(loaded.datasetMissing).toBe(false);
  });

  it('opens a project whose dataset is gone, flags it, and relocates it', async () => {
    const { file, project, dataset } = await makeProject();
    await saveProject(file, project);
    const elsewhere = path.join(root, 'archive', 'photos');
    await fsp.mkdir(path.dirname(elsewhere));
    await fsp.rename(dataset, elsewhere);

    const loaded = await loadProject(file);
    expect(loaded.datasetMissing).toBe(true);
    expect(loaded.datasetAbsolute).toBe(dataset);

    const relocated = relocateDataset(loaded.project, file, elsewhere);
    expect(relocated.dataset).toEqual({ ...project.dataset, path: '../archive/photos' });
    expect(loaded.project.dataset?.path).toBe('photos');
    await saveProject(file, relocated);
    expect(await loadProject(file)).toMatchObject({ datasetAbsolute: elsewhere, datasetMissing: false });
  });

  it('gives a project without a dataset one when it is first located', () => {
    const p = relocateDataset(newProject('x'), '/lab/x.tlab', '/lab/data');
    expect(p.dataset).toEqual({ path: 'data', split: { val: 0.1, test: 0.2 }, classes: [] });
  });

  it('refuses corrupt JSON, naming the file and the place', async () => {
    const file = path.join(root, 'bad.tlab');
    await fsp.writeFile(file, '{\n  "formatVersion": 1,\n  "name": "x" "oops"\n}\n');
    expect(await expectLoadError(file, 'PROJECT_INVALID')).toMatch(/not valid JSON at line 3, column 15 \(position \d+\)/);
  });

  it('quotes nothing of a file that is not a project (a password file opened by mistake)', async () => {
    for (const [name, text] of [
      ['shadow', 'root:$y$j9T$secretsalt$hashhash:19000:0:99999:7:::\n'],
      ['id_rsa', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n'],
      ['obj.tlab', '{"formatVersion": 1, "token": sk-live-secret}\n'],
      ['str.tlab', '"sk-live-secret"'],
    ] as const) {
      const file = path.join(root, name);
      await fsp.writeFile(file, text);
      const message = await expectLoadError(file, 'PROJECT_INVALID');
      expect(message).toContain(file);
      expect(message).not.toMatch(/root:|secret|hash|BEGIN|b3Bl/);
    }
    expect(await expectLoadError(path.join(root, 'shadow'), 'PROJECT_INVALID')).toMatch(/not a Transfer Lab project/);
  });

  it('refuses a truncated file', async () => {
    const { file, project } = await makeProject();
    await saveProject(file, project);
    const text = await fsp.readFile(file, 'utf8');
    await fsp.writeFile(file, text.slice(0, Math.floor(text.length / 2)));
    expect(await expectLoadError(file, 'PROJECT_INVALID')).toMatch(/cut short/);
    await fsp.writeFile(file, '');
    expect(await expectLoadError(file, 'PROJECT_INVALID')).toMatch(/the file is empty/);
  });

  it('refuses wrong types with the first problem as a path', async () => {
    const { file, project } = await makeProject();
    const json = JSON.parse(JSON.stringify(project)) as { runs: Record<string, unknown>[] };
    json.runs[0]!['epochs'] = { first: 1 };
    await fsp.writeFile(file, JSON.stringify(json));
    expect(await expectLoadError(file, 'PROJECT_INVALID')).toContain('runs[0].epochs: expected array, received object');
  });

  it('refuses a project from a newer app and leaves it alone', async () => {
    const { file, project } = await makeProject();
    await fsp.writeFile(file, JSON.stringify({ ...project, formatVersion: projectFormatVersion + 1, somethingNew: true }));
    expect(await expectLoadError(file, 'PROJECT_TOO_NEW')).toBe(
      `${file} was made by a newer Transfer Lab (format ${projectFormatVersion + 1}); update the app to open it.`,
    );
  });

  it('says when the file does not exist', async () => {
    await expect(loadProject(path.join(root, 'nope.tlab'))).rejects.toMatchObject({
      code: 'PROJECT_INVALID',
      message: expect.stringContaining('does not exist'),
    });
  });

  it('upgrades a v0 file in memory only', async () => {
    const file = path.join(root, 'old.tlab');
    const v0 = { formatVersion: 0, appVersion: '0.0.1', name: 'Old', createdAt: '2025-01-01T00:00:00.000Z', datasetPath: null, model: null, runs: [] };
    await fsp.writeFile(file, JSON.stringify(v0));
    const loaded = await loadProject(file);
    expect(loaded.migratedFrom).toBe(0);
    expect(loaded.project.formatVersion).toBe(1);
    expect(JSON.parse(await fsp.readFile(file, 'utf8'))).toEqual(v0);
  });

  it('leaves the previous file intact when the disk fills during a save', async () => {
    const { file, project } = await makeProject();
    await saveProject(file, project);
    const before = await fsp.readFile(file);
    // the seam: the temporary file's write fails as on a full disk, inside the real writeFileAtomic
    const realOpen = fsp.open.bind(fsp);
    vi.spyOn(fsp, 'open').mockImplementation(async (p, flags, mode) => {
      const handle = await realOpen(p, flags, mode);
      if (String(p).endsWith('.tmp')) {
        handle.writeFile = () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      }
      return handle;
    });
    await expect(saveProject(file, { ...project, notes: 'a much longer lab diary' })).rejects.toMatchObject({ code: 'DISK_FULL' });
    vi.restoreAllMocks();
    expect(await fsp.readFile(file)).toEqual(before);
    expect(fs.readdirSync(path.dirname(file)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect((await loadProject(file)).project.notes).toBe(project.notes);
  });

  it('leaves the previous file intact on a really full disk (tmpfs)', async (ctx) => {
    const mountPoint = path.join(root, 'tiny');
    await fsp.mkdir(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], { stdio: 'ignore' });
    } catch {
      ctx.skip('mounting a tmpfs is not permitted here; the seam test above covers the same path');
    }
    try {
      const file = path.join(mountPoint, 'pets.tlab');
      const { project } = await makeProject(mountPoint);
      await saveProject(file, project);
      const before = await fsp.readFile(file);
      await expect(saveProject(file, { ...project, notes: 'x'.repeat(200_000) })).rejects.toMatchObject({ code: 'DISK_FULL' });
      expect(await fsp.readFile(file)).toEqual(before);
      expect(fs.readdirSync(mountPoint).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      execFileSync('umount', [mountPoint], { stdio: 'ignore' });
    }
  });

  it('refuses to write a project that would not load back', async () => {
    const file = path.join(root, 'invalid.tlab');
    await expect(saveProject(file, { ...newProject('x'), name: '' })).rejects.toMatchObject({ code: 'PROJECT_INVALID' });
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('storeRunWeights', () => {
  async function makeRunDir(id: string, weights: string): Promise<string> {
    const dir = path.join(root, 'runs', id);
    await fsp.mkdir(path.join(dir, 'head'), { recursive: true });
    await fsp.writeFile(path.join(dir, 'head', 'model.json'), '{"format":"layers-model"}');
    await fsp.writeFile(path.join(dir, 'head', 'weights.bin'), weights);
    await fsp.writeFile(path.join(dir, 'run.json'), JSON.stringify(sampleRunRecord(id)));
    return dir;
  }

  it('copies head/ and run.json beside the project and returns the relative weightsDir', async () => {
    const { file } = await makeProject();
    const runDir = await makeRunDir('run-1', 'first');
    const weightsDir = await storeRunWeights(file, runDir, 'run-1');
    expect(weightsDir).toBe('pets.tlab.d/runs/run-1');
    const stored = fromStoredPath(file, weightsDir);
    expect(stored).toBe(path.join(projectDataDir(file), 'runs', 'run-1'));
    expect(await fsp.readFile(path.join(stored, 'head', 'weights.bin'), 'utf8')).toBe('first');
    expect(await fsp.readFile(path.join(stored, 'run.json'))).toEqual(await fsp.readFile(path.join(runDir, 'run.json')));
    expect(fs.readdirSync(path.dirname(stored))).toEqual(['run-1']);
  });

  it('replaces a run stored before under the same id, leaving nothing behind', async () => {
    const { file } = await makeProject();
    await storeRunWeights(file, await makeRunDir('run-1', 'first'), 'run-1');
    const stored = path.join(projectDataDir(file), 'runs', 'run-1');
    await fsp.writeFile(path.join(stored, 'head', 'stale.bin'), 'old');
    const again = await makeRunDir('run-1b', 'second');
    await storeRunWeights(file, again, 'run-1');
    expect(await fsp.readFile(path.join(stored, 'head', 'weights.bin'), 'utf8')).toBe('second');
    expect(fs.existsSync(path.join(stored, 'head', 'stale.bin'))).toBe(false);
    expect(fs.readdirSync(path.dirname(stored))).toEqual(['run-1']);
  });

  it("copies a fine-tuned run's top/ too, and refuses one whose top/ is missing", async () => {
    const { file } = await makeProject();
    const runDir = await makeRunDir('run-ft', 'head weights');
    await fsp.writeFile(
      path.join(runDir, 'run.json'),
      JSON.stringify({
        ...sampleRunRecord('run-ft'),
        model: { ...sampleRunRecord().model, fineTune: { split: 'block_15_add', splitShape: [7, 7, 160], layers: ['Conv_1'], trainableParams: 1 } },
      }),
    );
    await expect(storeRunWeights(file, runDir, 'run-ft')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND', message: expect.stringContaining('top/') });
    await fsp.mkdir(path.join(runDir, 'top'));
    await fsp.writeFile(path.join(runDir, 'top', 'weights.bin'), 'top weights');
    const stored = fromStoredPath(file, await storeRunWeights(file, runDir, 'run-ft'));
    expect(await fsp.readFile(path.join(stored, 'top', 'weights.bin'), 'utf8')).toBe('top weights');
  });

  it('refuses a folder without a head and an id that is not a folder name', async () => {
    const { file } = await makeProject();
    await expect(storeRunWeights(file, root, 'run-1')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    const runDir = await makeRunDir('run-1', 'w');
    await fsp.rm(path.join(runDir, 'head'), { recursive: true });
    await expect(storeRunWeights(file, runDir, 'run-1')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND', message: expect.stringContaining('head/') });
    await makeRunDir('run-1', 'w');
    for (const id of ['../escape', 'a/b', '', '.hidden']) {
      await expect(storeRunWeights(file, runDir, id)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    }
    expect(fs.existsSync(projectDataDir(file))).toBe(false);
  });
});
