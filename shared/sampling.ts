/**
 * "How many images are enough?": training subsets of k images per class, for a curve of
 * accuracy against k on one fixed test split. Each class's training images are ranked once by
 * a hash of (seed, path) and the first k are taken, so the subsets are
 *
 *   - stable: the same k, seed and images give the same subset on any machine, in any order;
 *   - nested: the 5-image subset contains the 2-image subset, so a point on the curve differs
 *     from the one before only by the images added, not by luck of the draw.
 */

/** FNV-1a, 32 bits: a small, well-known string hash that needs no Node or DOM */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export interface Sampleable {
  relPath: string;
  label: number;
}

/** each class's images in their sampling order */
export function samplingOrder<T extends Sampleable>(images: readonly T[], seed: number): Map<number, T[]> {
  const byClass = new Map<number, { img: T; key: number }[]>();
  for (const img of images) {
    const list = byClass.get(img.label) ?? [];
    list.push({ img, key: fnv1a(`${seed}:${img.relPath}`) });
    byClass.set(img.label, list);
  }
  const out = new Map<number, T[]>();
  for (const [label, list] of byClass) {
    list.sort((a, b) => a.key - b.key || (a.img.relPath < b.img.relPath ? -1 : a.img.relPath > b.img.relPath ? 1 : 0));
    out.set(
      label,
      list.map((x) => x.img),
    );
  }
  return out;
}

/** at most k images of each class (all of a class that has fewer) */
export function samplePerClass<T extends Sampleable>(images: readonly T[], k: number, seed: number): T[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`images per class must be a whole number of at least 1, got ${k}`);
  return [...samplingOrder(images, seed).values()].flatMap((list) => list.slice(0, k));
}

/** the lab's ladder of subset sizes up to the largest class: 1, 2, 5, 10, 20, 50, 100, 200, 500… */
export function perClassLadder(largestClass: number): number[] {
  const out: number[] = [];
  for (let decade = 1; decade <= largestClass; decade *= 10) {
    for (const m of [1, 2, 5]) if (m * decade <= largestClass) out.push(m * decade);
  }
  if (out[out.length - 1] !== largestClass && largestClass > 0) out.push(largestClass);
  return out;
}
