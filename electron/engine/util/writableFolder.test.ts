import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newProject } from '../../../shared/project';
import type { Handlers } from '../../../shared/rpc';
import { projectHandlers } from '../service/projectHandlers';
import { assertWritableFolder } from './writableFolder';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-writable-'));
const save = (projectHandlers(path.join(root, 'config')) as Pick<Handlers, 'project.save'>)['project.save'];
const linux = process.platform === 'linux';

describe('where a project can be saved', () => {
  // the old code never answered: Node's recursive mkdir loops under /proc. The timeout only
  // turns a hang into a failure; what is asserted is the error
  it.runIf(linux)('refuses a path under /proc with a clear message, before making any folder', { timeout: 20_000 }, async () => {
    await expect(save({ file: '/proc/self/lab/pets.tlab', project: newProject('Pets') })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/^Cannot save in \/proc\/self\/lab: .*\/proc/),
      hint: expect.stringMatching(/Choose a folder/),
    });
    await expect(save({ file: '/proc/pets.tlab', project: newProject('Pets') })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it.runIf(linux)('refuses /sys and /dev too', { timeout: 20_000 }, async () => {
    await expect(assertWritableFolder('/sys/kernel/lab')).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/\/sys/) });
    await expect(assertWritableFolder('/dev/lab')).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/\/dev/) });
  });

  it('refuses a path through a file', async () => {
    const file = path.join(root, 'notes.txt');
    fs.writeFileSync(file, 'not a folder');
    await expect(assertWritableFolder(file)).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/is a file, not a folder/) });
    await expect(save({ file: path.join(file, 'lab', 'pets.tlab'), project: newProject('Pets') })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/file, not a folder/),
    });
    expect(fs.readFileSync(file, 'utf8')).toBe('not a folder');
  });

  it('takes a folder on a disk, whether it exists yet or not', async () => {
    await expect(assertWritableFolder(root)).resolves.toBeUndefined();
    const saved = await save({ file: path.join(root, 'new', 'folder', 'pets.tlab'), project: newProject('Pets') });
    expect(fs.existsSync(saved.file)).toBe(true);
  });
});
