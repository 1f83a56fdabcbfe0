import { createHash } from 'node:crypto';
import type { SplitFractions, SplitName } from '../../../shared/dataset';
import { TransferLabError } from '../../../shared/errors';

/**
 * TensorFlow's retrain.py split: each file's side is a pure function of its name, so adding
 * or removing images never moves an existing image between train, val and test, and a
 * bottleneck cache or a run record stays valid as a dataset grows.
 *
 *   percentage = (int(sha1(name), 16) % (MAX + 1)) * (100 / MAX),  MAX = 2^27 - 1
 *
 * MAX + 1 is 2^27, a power of two, so the 160-bit integer modulo 2^27 is exactly its low 27
 * bits: the last four bytes of the digest read big-endian (as int(hex, 16) reads them), masked
 * with 2^27 - 1. That is exact without BigInt. (Reading the *first* bytes, or taking the modulus
 * as 2^27 - 1, would give a different split than retrain.py.)
 */
const MAX_NUM_IMAGES_PER_CLASS = 2 ** 27 - 1;

export function validateSplit(f: SplitFractions): SplitFractions {
  const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x < 1;
  if (!ok(f.val) || !ok(f.test)) {
    throw new TransferLabError(
      'BAD_ARGUMENT',
      `split fractions must each be at least 0 and below 1, got val=${f.val}, test=${f.test}`,
      'Give fractions such as val 0.1 and test 0.2 (10% and 20% of each class).',
    );
  }
  if (f.val + f.test >= 1) {
    throw new TransferLabError(
      'BAD_ARGUMENT',
      `validation and test fractions add up to ${f.val + f.test}, leaving nothing to train on`,
      'Keep val + test below 1, e.g. val 0.1 and test 0.2.',
    );
  }
  return f;
}

/**
 * The key that decides the split. Files named like "bob_nohash_1.jpg" and "bob_nohash_2.jpg"
 * share "bob" and so always land together: retrain.py's convention for several pictures of
 * one subject, which would otherwise leak that subject from train into test. The key is
 * NFC-normalised because macOS stores names decomposed (NFD) and Linux/Windows composed;
 * without it a dataset copied between them would be split differently.
 */
export function splitKey(relPath: string): string {
  const p = relPath.replace(/\\/g, '/').normalize('NFC');
  const slash = p.lastIndexOf('/');
  const dir = p.slice(0, slash + 1);
  const base = p.slice(slash + 1).replace(/_nohash_.*$/s, '');
  return dir + base;
}

/** retrain.py's percentage_hash, in [0, 100] */
export function splitPercentage(relPath: string): number {
  const digest = createHash('sha1').update(splitKey(relPath), 'utf8').digest();
  const low27 = digest.readUInt32BE(digest.length - 4) & MAX_NUM_IMAGES_PER_CLASS;
  return low27 * (100 / MAX_NUM_IMAGES_PER_CLASS);
}

/**
 * relPath is relative to the dataset root, '/'-separated (class folder included), so the
 * split survives moving the dataset; retrain.py hashed whatever path it globbed.
 */
export function assignSplit(relPath: string, f: SplitFractions): SplitName {
  validateSplit(f);
  const pct = splitPercentage(relPath);
  if (pct < f.val * 100) return 'val';
  if (pct < (f.val + f.test) * 100) return 'test';
  return 'train';
}
