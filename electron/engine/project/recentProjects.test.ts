import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addRecent, maxRecent, readRecent, recentFileName, removeRecent } from './recentProjects';

let root: string;
let configDir: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'tlab-recent-'));
  configDir = path.join(root, 'config');
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

async function projectFile(name: string): Promise<string> {
  const file = path.join(root, `${name}.tlab`);
  await fsp.writeFile(file, '{}');
  return file;
}

const clock = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));

describe('recent projects', () => {
  it('is empty before anything was opened', async () => {
    expect(await readRecent(configDir)).toEqual([]);
  });

  it('lists the most recent first, each project once', async () => {
    const a = await projectFile('a');
    const b = await projectFile('b');
    await addRecent(configDir, a, 'A', clock(1));
    await addRecent(configDir, b, 'B', clock(2));
    await addRecent(configDir, path.join(root, '.', 'a.tlab'), 'A renamed', clock(3));
    expect(await readRecent(configDir)).toEqual([
      { file: a, name: 'A renamed', openedAt: clock(3).toISOString(), missing: false },
      { file: b, name: 'B', openedAt: clock(2).toISOString(), missing: false },
    ]);
  });

  it(`keeps at most ${maxRecent}`, async () => {
    for (let i = 0; i < maxRecent + 2; i++) await addRecent(configDir, await projectFile(`p${i}`), `P${i}`, clock(i));
    const list = await readRecent(configDir);
    expect(list).toHaveLength(maxRecent);
    expect(list[0]!.name).toBe(`P${maxRecent + 1}`);
    expect(list.at(-1)!.name).toBe('P2');
  });

  it('marks a project whose file is gone as missing instead of dropping it', async () => {
    const a = await projectFile('a');
    const b = await projectFile('b');
    await addRecent(configDir, a, 'A');
    await addRecent(configDir, b, 'B');
    await fsp.rm(a);
    expect((await readRecent(configDir)).map((e) => [e.name, e.missing])).toEqual([
      ['B', false],
      ['A', true],
    ]);
    expect((await removeRecent(configDir, a)).map((e) => e.name)).toEqual(['B']);
    expect((await readRecent(configDir)).map((e) => e.name)).toEqual(['B']);
  });

  it('reads a damaged recent.json as an empty list and replaces it at the next open', async () => {
    await fsp.mkdir(configDir, { recursive: true });
    const recent = path.join(configDir, recentFileName);
    for (const damaged of ['{"formatVersion": 1, "projects": [', '[1, 2, 3]', '{"formatVersion": 1, "projects": [{"file": 3}]}', '']) {
      await fsp.writeFile(recent, damaged);
      expect(await readRecent(configDir)).toEqual([]);
    }
    const a = await projectFile('a');
    await addRecent(configDir, a, 'A');
    expect((await readRecent(configDir)).map((e) => e.file)).toEqual([a]);
  });
});
