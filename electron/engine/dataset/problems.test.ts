import { describe, expect, it } from 'vitest';
import { defaultSplit } from '../../../shared/dataset';
import { findProblems, type ProblemInput } from './problems';

const input = (unreadable: ProblemInput['unreadable']): ProblemInput => ({
  classes: ['a', 'b'],
  images: [],
  summaries: [],
  emptyClasses: [],
  topLevelImages: [],
  unreadable,
  notImages: [],
  symlinkLoops: [],
  split: defaultSplit,
  smallImagePx: 32,
});
const unreadableProblem = (files: ProblemInput['unreadable']) => findProblems(input(files)).find((p) => p.kind === 'unreadable');

describe('images that could not be read, in the problem list', () => {
  it('says their reason, where it said "damaged, cut short or an unsupported variant" of any', () => {
    expect(unreadableProblem([{ path: 'a/huge.png', reason: 'image too large (over 268 megapixels)' }])).toMatchObject({
      message: '1 image could not be read and will be skipped: image too large (over 268 megapixels).',
      paths: ['a/huge.png'],
    });
  });

  it('names several reasons by their heads, the commonest first', () => {
    const heic = 'HEIC photo (iPhone format), which cannot be decoded here; export it as JPEG';
    expect(
      unreadableProblem([
        { path: 'a/1.jpg', reason: 'truncated or corrupt JPEG' },
        { path: 'a/IMG_1.HEIC', reason: heic },
        { path: 'b/IMG_2.HEIC', reason: heic },
        { path: 'b/locked.jpg', reason: 'cannot read the file (EACCES)' },
      ])?.message,
    ).toBe(
      "4 images could not be read and will be skipped: HEIC photo (2), truncated or corrupt JPEG (1), cannot read the file (1). The files not used are listed with each one's reason.",
    );
  });
});
