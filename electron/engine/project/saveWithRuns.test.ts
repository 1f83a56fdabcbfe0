import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newProject, type Project } from '../../../shared/project';
import { sampleRunRecord } from '../../../shared/project.fixtures';
import { saveProjectWithRuns } from './saveWithRuns';

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-save-runs-'));
});
afterEach(() => fsp.rm(root, { recursive: true, force: true }));

/** a finished run in the engine's workspace, `bytes` of head weights */
async function workspaceRun(id: string, bytes = 64): Promise<Project['runs'][number]> {
  const dir = path.join(root, 'workspace', id);
  await fsp.mkdir(path.join(dir, 'head'), { recursive: true });
  await fsp.writeFile(path.join(dir, 'head', 'model.json'), '{"format":"layers-model"}');
  await fsp.writeFile(path.join(dir, 'head', 'weights.bin'), Buffer.alloc(bytes, 7));
  await fsp.writeFile(path.join(dir, 'run.json'), JSON.stringify(sampleRunRecord(id)));
  return { ...sampleRunRecord(id), weightsDir: dir };
}

const tree = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort() : []);

describe('a save that fails', () => {
  it('leaves no <name>.tlab.d/runs/ and no folder it made behind', async () => {
    const file = path.join(root, 'lab', 'new', 'pets.tlab');
    await fsp.mkdir(path.join(root, 'lab'));
    // a project that would not load back: refused after its run was copied
    await expect(saveProjectWithRuns(file, { ...newProject('x'), name: '', runs: [await workspaceRun('run-1')] })).rejects.toMatchObject({
      code: 'PROJECT_INVALID',
    });
    expect(tree(path.join(root, 'lab'))).toEqual([]);
    // the run itself is where training left it
    expect(fs.existsSync(path.join(root, 'workspace', 'run-1', 'head', 'weights.bin'))).toBe(true);
  });

  it('removes only what it made: runs stored by an earlier save and the file as it was stay', async () => {
    const file = path.join(root, 'lab', 'pets.tlab');
    await fsp.mkdir(path.dirname(file));
    const saved = await saveProjectWithRuns(file, { ...newProject('Pets'), runs: [await workspaceRun('run-1')] });
    const before = await fsp.readFile(file);
    const stored = saved.runs.map((r) => ({ ...r, weightsDir: path.join(path.dirname(file), r.weightsDir) }));
    await expect(saveProjectWithRuns(file, { ...newProject('x'), name: '', runs: [...stored, await workspaceRun('run-2')] })).rejects.toMatchObject({
      code: 'PROJECT_INVALID',
    });
    expect(await fsp.readFile(file)).toEqual(before);
    expect(fs.readdirSync(path.join(root, 'lab', 'pets.tlab.d', 'runs'))).toEqual(['run-1']);
    expect(fs.existsSync(path.join(root, 'lab', 'pets.tlab.d', 'runs', 'run-1', 'head', 'weights.bin'))).toBe(true);
  });

  it("on a really full disk (tmpfs): a clear DISK_FULL, nothing left of the save, the disk's other files kept", async (ctx) => {
    const mountPoint = path.join(root, 'tiny');
    await fsp.mkdir(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'ignore' });
    } catch {
      ctx.skip('mounting a tmpfs is not permitted here; the PROJECT_INVALID cases above take the same clean-up path');
    }
    try {
      await fsp.writeFile(path.join(mountPoint, 'notes.txt'), 'mine');
      const file = path.join(mountPoint, 'pets.tlab');
      await expect(saveProjectWithRuns(file, { ...newProject('Pets'), runs: [await workspaceRun('run-big', 1024 * 1024)] })).rejects.toMatchObject({
        code: 'DISK_FULL',
      });
      expect(tree(mountPoint)).toEqual(['notes.txt']);
    } finally {
      execFileSync('umount', [mountPoint], { stdio: 'ignore' });
    }
  });
});
