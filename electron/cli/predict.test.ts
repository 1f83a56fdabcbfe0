import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classFolderCount, photoArgs } from './predict';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-photo-args-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const put = (rel: string) => {
  fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
  fs.writeFileSync(path.join(tmp, rel), '');
};

describe('the photos predict is given', () => {
  it('reads a folder as every image in it and its sub-folders, by name, hidden and system files left out; a file as it is', () => {
    for (const f of ['photos/b.jpg', 'photos/a.png', 'photos/cats/c.webp', 'photos/notes.txt', 'photos/.hidden.jpg', 'photos/.thumbs/x.jpg', 'one.jpg']) put(f);
    fs.mkdirSync(path.join(tmp, 'nothing'));
    const { photos, empty } = photoArgs([path.join(tmp, 'photos'), path.join(tmp, 'one.jpg'), path.join(tmp, 'gone.jpg'), path.join(tmp, 'nothing')]);
    expect(photos.map((p) => path.relative(tmp, p.file))).toEqual(['photos/a.png', 'photos/b.jpg', 'photos/cats/c.webp', 'one.jpg', 'gone.jpg']);
    expect(photos[0]!.shown).toBe(path.join(tmp, 'photos', 'a.png'));
    expect(empty).toEqual([path.join(tmp, 'nothing')]);
  });

  it('counts photos in folders named after a class right or wrong, the commonest confusions first', () => {
    const at = (cls: string, n: number) => `/p/${cls}/${n}.jpg`;
    const count = classFolderCount(
      [
        { file: at('cat', 1), said: 'cat' },
        { file: at('cat', 2), said: 'dog' },
        { file: at('dog', 1), said: 'cat' },
        { file: at('dog', 2), said: 'cat' },
        { file: at('holiday', 1), said: 'dog' },
      ],
      ['cat', 'dog'],
    );
    expect(count).toEqual({
      right: 1,
      of: 4,
      confused: [
        { trueClass: 'dog', takenFor: 'cat', photos: 2 },
        { trueClass: 'cat', takenFor: 'dog', photos: 1 },
      ],
    });
    expect(classFolderCount([{ file: at('holiday', 1), said: 'dog' }], ['cat', 'dog'])).toBeNull();
  });
});
