import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskError, writeFileAtomic } from './atomicWrite';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('a failed write', () => {
  it('is DISK_FULL naming the folder when the disk is full', () => {
    expect(diskError(errno('ENOSPC'), '/lab/pets.tlab')).toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining('/lab/pets.tlab') });
  });

  it('is WRITE_FAILED, whatever was being written, when permission is missing or the disk is read-only', () => {
    // a project save is not an export: the code says what went wrong, the message where
    expect(diskError(errno('EACCES'), '/lab/pets.tlab')).toMatchObject({ code: 'WRITE_FAILED', message: 'No permission: could not write /lab/pets.tlab.' });
    expect(diskError(errno('EROFS'), '/media/cd/pets.tlab')).toMatchObject({
      code: 'WRITE_FAILED',
      message: 'The disk is read-only: could not write /media/cd/pets.tlab.',
    });
  });

  it('leaves the old file whole, and no temporary file, when the write cannot finish', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-atomic-'));
    const file = path.join(dir, 'a.json');
    await writeFileAtomic(file, 'old');
    // a folder where the file's temporary sibling should go makes the rename fail
    await expect(writeFileAtomic(path.join(file, 'inside.json'), 'new')).rejects.toBeTruthy();
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['a.json']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
