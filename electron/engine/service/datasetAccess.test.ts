import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../../shared/rpc';
import { noisePng } from '../../../test/fixtures/syntheticImages';
import { ChosenFolders, chosenFoldersFileName } from './chosenFolders';
import { createLabService, type LabService } from './labService';

/**
 * What the token grants on the disk: folders are listed wherever the user types (it is their
 * machine), browsing starts at home and the folders they chose, and images are served only from
 * inside a dataset that was scanned, symlinks resolved.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-access-'));
const configDir = path.join(work, 'config');
const dataset = path.join(work, 'photos');
const outside = path.join(work, 'private');
let service: LabService;

const call = async (name: string, input: unknown) => {
  const r = await dispatch(service.handlers, name, input, { checkOutput: true });
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
  return r.result as any;
};

beforeAll(async () => {
  for (const cls of ['cats', 'dogs']) {
    fs.mkdirSync(path.join(dataset, cls), { recursive: true });
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(dataset, cls, `${i}.png`), await noisePng(16, 16, i));
  }
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'passport.png'), await noisePng(16, 16, 99));
  // a link inside the dataset to a picture elsewhere on the disk
  fs.symlinkSync(path.join(outside, 'passport.png'), path.join(dataset, 'cats', 'link.png'));
  service = createLabService({ host: 'web', version: 'test', backend: 'cpu', dataDir: path.join(work, 'data'), configDir, emit: () => undefined });
});
afterAll(() => service.close());

describe('what the token grants on the disk', () => {
  it('serves no image of a folder that was not scanned', async () => {
    await expect(call('dataset.thumbnail', { root: outside, relPath: 'passport.png', size: 32 })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/not a dataset scanned here/),
    });
    await expect(call('dataset.thumbnail', { root: dataset, relPath: 'cats/0.png', size: 32 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('serves a scanned dataset’s images, but not a symlink out of it nor a path climbing out', async () => {
    await call('dataset.scan', { path: dataset });
    expect((await call('dataset.thumbnail', { root: dataset, relPath: 'cats/0.png', size: 32 })).dataUrl).toMatch(/^data:image\/jpeg;base64,/);
    await expect(call('dataset.thumbnail', { root: dataset, relPath: 'cats/link.png', size: 32 })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/outside/),
    });
    await expect(call('dataset.thumbnail', { root: dataset, relPath: '../private/passport.png', size: 32 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(
      call('dataset.augmentPreview', { root: dataset, relPath: 'cats/link.png', contentHash: 'abcdef12', variants: 1, size: 32 }),
    ).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(call('dataset.thumbnail', { root: dataset, relPath: 'cats/../../private/passport.png', size: 32 })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
    });
  });

  it('a scanned root reached through a symlink is the same dataset', async () => {
    const alias = path.join(work, 'alias');
    fs.symlinkSync(dataset, alias);
    expect((await call('dataset.thumbnail', { root: alias, relPath: 'dogs/1.png', size: 32 })).dataUrl).toMatch(/^data:image\/jpeg/);
  });

  it('browsing starts at home and offers the places the user chose; a typed folder is still listed', async () => {
    const home = await call('fs.list', {});
    expect(home.path).toBe(os.homedir());
    expect(home.places[0]).toEqual({ kind: 'home', path: os.homedir() });
    expect(home.places).toContainEqual({ kind: 'dataset', path: fs.realpathSync(dataset) });
    const typed = await call('fs.list', { path: outside });
    expect(typed.entries.map((e: { name: string }) => e.name)).toEqual(['passport.png']);
  });

  it('lists folders first, then files, numbers in names by their value as a file manager does', async () => {
    const dir = path.join(work, 'listing');
    for (const d of ['run-10', 'run-2', 'run-1', 'Run-3']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    for (const f of ['img10.png', 'img9.png', 'a.txt']) fs.writeFileSync(path.join(dir, f), '');
    const listed = await call('fs.list', { path: dir });
    expect(listed.entries.map((e: { name: string }) => e.name)).toEqual(['run-1', 'run-2', 'Run-3', 'run-10', 'a.txt', 'img9.png', 'img10.png']);
  });

  it('places are kept in the config folder and survive a restart; a damaged record is an empty one', async () => {
    const again = new ChosenFolders(configDir);
    expect((await again.places()).map((p) => p.kind)).toEqual(['home', 'dataset']);
    fs.writeFileSync(path.join(configDir, chosenFoldersFileName), '{"formatVersion": 1, "dataset": 7');
    expect(await new ChosenFolders(configDir).places()).toEqual([{ kind: 'home', path: os.homedir() }]);
  });
});
