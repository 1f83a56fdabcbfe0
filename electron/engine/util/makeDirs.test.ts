import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs, makeDirsSync } from './makeDirs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-makedirs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('makeDirs, mkdir -p that always returns', () => {
  it('makes every missing folder down to the one asked for, and takes one that is there', async () => {
    const deep = path.join(tmp, 'a', 'b', 'c');
    await makeDirs(deep);
    expect(fs.statSync(deep).isDirectory()).toBe(true);
    await makeDirs(deep);
    makeDirsSync(path.join(tmp, 'a'));
    makeDirsSync(path.join(tmp, 'private'), 0o700);
    expect(fs.statSync(path.join(tmp, 'private')).mode & 0o777).toBe(0o700);
  });

  it.runIf(process.platform === 'linux')(
    'refuses a folder under /proc with a message, where Node\u2019s recursive mkdir spun a core forever (the test timed out)',
    async () => {
      await expect(makeDirs('/proc/self/transfer-lab-run/features')).rejects.toMatchObject({
        code: 'WRITE_FAILED',
        message: "Cannot create the folder /proc/self/transfer-lab-run: /proc/self takes no new folders (it is the system's, not a disk).",
        hint: 'Choose a folder on a disk, e.g. in your home folder.',
      });
      expect(() => makeDirsSync('/proc/transfer-lab-out')).toThrow(/takes no new folders/);
    },
    5_000,
  );

  it('gives Node\u2019s own error through a file, and says so of a link to something that is gone', () => {
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, '');
    expect(() => makeDirsSync(path.join(file, 'x', 'y'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirsSync(file)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    const link = path.join(tmp, 'unplugged');
    fs.symlinkSync(path.join(tmp, 'no-such-disk'), link);
    expect(() => makeDirsSync(path.join(link, 'runs'))).toThrow(`is a link to ${path.join(tmp, 'no-such-disk')}, which is not there`);
  });
});
