import type { ClassSummary, DatasetImage, DatasetProblem, SkippedFile, SplitFractions } from '../../../shared/dataset';

/**
 * What is wrong with a dataset, as advice rather than failure: the scan always completes and
 * the student decides. Errors are things that make results wrong (a label conflict, a class
 * with nothing in it); warnings are things that make them weaker.
 */

const IMBALANCE_RATIO = 3;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Why images could not be read, from their reasons: it said "damaged, cut short or an unsupported
 * variant" of an image too large to decode, an iPhone's HEIC photo or a file without permission.
 * One reason is given whole; several by their heads ("truncated or corrupt JPEG"), most first.
 */
function unreadableMessage(files: SkippedFile[]): string {
  const head = `${plural(files.length, 'image')} could not be read and will be skipped`;
  const reasons = new Set(files.map((f) => f.reason));
  if (reasons.size === 1) return `${head}: ${[...reasons][0]}.`;
  const counts = new Map<string, number>();
  for (const f of files) {
    const kind = f.reason.split(/ \(|;/)[0]!;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const kinds = [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} (${n})`);
  return `${head}: ${kinds.slice(0, 3).join(', ')}${kinds.length > 3 ? ', …' : ''}. The files not used are listed with each one's reason.`;
}

export interface ProblemInput {
  classes: string[];
  images: DatasetImage[];
  summaries: ClassSummary[];
  emptyClasses: string[];
  topLevelImages: string[];
  /** images that could not be read, each with its reason */
  unreadable: SkippedFile[];
  notImages: string[];
  symlinkLoops: string[];
  split: SplitFractions;
  smallImagePx: number;
}

export function findProblems(input: ProblemInput): DatasetProblem[] {
  const problems: DatasetProblem[] = [];
  const { classes, images } = input;

  if (input.topLevelImages.length > 0) {
    problems.push({
      kind: 'images-at-top-level',
      severity: 'warning',
      message: `${plural(input.topLevelImages.length, 'image')} lie directly in the dataset folder, outside any class folder, and will not be used. Move each into the folder of its class.`,
      paths: input.topLevelImages,
    });
  }
  if (input.unreadable.length > 0) {
    problems.push({
      kind: 'unreadable',
      severity: 'warning',
      message: unreadableMessage(input.unreadable),
      paths: input.unreadable.map((f) => f.path),
    });
  }
  if (input.notImages.length > 0) {
    problems.push({
      kind: 'not-an-image',
      severity: 'warning',
      message: `${plural(input.notImages.length, 'file')} named like images are something else and will be skipped.`,
      paths: input.notImages,
    });
  }
  if (input.symlinkLoops.length > 0) {
    problems.push({
      kind: 'symlink-loop',
      severity: 'warning',
      message: `${plural(input.symlinkLoops.length, 'folder link')} ${input.symlinkLoops.length === 1 ? 'leads' : 'lead'} to a folder already scanned; not followed, so no image is counted twice.`,
      paths: input.symlinkLoops,
    });
  }
  for (const name of input.emptyClasses) {
    problems.push({
      kind: 'empty-class',
      severity: 'error',
      message: `Class folder "${name}" has no usable images, so it is left out of training. Add images to it or remove the folder.`,
      className: name,
    });
  }
  problems.push(...duplicateProblems(classes, images));

  const small = images.filter((im) => Math.min(im.width, im.height) < input.smallImagePx).map((im) => im.relPath);
  if (small.length > 0) {
    problems.push({
      kind: 'small-image',
      severity: 'warning',
      message: `${plural(small.length, 'image')} ${small.length === 1 ? 'is' : 'are'} smaller than ${input.smallImagePx} pixels on the short side; enlarging them to the model's input size adds blur, not detail.`,
      paths: small,
    });
  }

  const counted = input.summaries.filter((s) => s.count > 0);
  if (counted.length >= 2) {
    const largest = counted.reduce((a, b) => (b.count > a.count ? b : a));
    const smallest = counted.reduce((a, b) => (b.count < a.count ? b : a));
    const ratio = largest.count / smallest.count;
    if (ratio > IMBALANCE_RATIO) {
      problems.push({
        kind: 'class-imbalance',
        severity: 'warning',
        message: `Classes are unbalanced: "${largest.name}" has ${largest.count} images, "${smallest.name}" only ${smallest.count} (${ratio.toFixed(1)} to 1). Accuracy alone will flatter the model; look at per-class results, or add images to the small classes.`,
        className: smallest.name,
      });
    }
  }

  problems.push(...splitProblems(input.summaries, input.split));
  return problems;
}

/** Identical bytes, found by content hash: within a class they inflate it, across classes they contradict each other. */
function duplicateProblems(classes: string[], images: DatasetImage[]): DatasetProblem[] {
  const byHash = new Map<string, DatasetImage[]>();
  for (const im of images) {
    const group = byHash.get(im.contentHash);
    if (group) group.push(im);
    else byHash.set(im.contentHash, [im]);
  }
  const problems: DatasetProblem[] = [];
  for (const group of byHash.values()) {
    if (group.length < 2) continue;
    const labels = [...new Set(group.map((im) => im.label))].sort((a, b) => a - b);
    const paths = group.map((im) => im.relPath);
    if (labels.length > 1) {
      const names = labels.map((l) => `"${classes[l]}"`).join(', ');
      problems.push({
        kind: 'duplicate-across-classes',
        severity: 'error',
        message: `The same image is in classes ${names}, so it teaches the model two answers at once. Keep it in the one class it belongs to.`,
        paths,
      });
    } else {
      const className = classes[labels[0]!]!;
      problems.push({
        kind: 'duplicate-in-class',
        severity: 'warning',
        message: `${plural(group.length, 'identical copy', 'identical copies')} of one image in class "${className}"; they count more than once in training. All copies are kept in the same split so none leaks into validation or test.`,
        paths,
        className,
      });
    }
  }
  return problems;
}

/**
 * A class needs an image on each side of the split to be trained and measured. The hash
 * split does not force that (it would stop being stable), so say when it did not happen.
 */
function splitProblems(summaries: ClassSummary[], split: SplitFractions): DatasetProblem[] {
  const needed = 1 + (split.val > 0 ? 1 : 0) + (split.test > 0 ? 1 : 0);
  const problems: DatasetProblem[] = [];
  for (const s of summaries) {
    if (s.count < needed) {
      problems.push({
        kind: 'class-too-small-to-split',
        severity: 'warning',
        message: `Class "${s.name}" has ${plural(s.count, 'image')}; at least ${needed} are needed for one each in ${needed === 3 ? 'training, validation and test' : needed === 2 ? (split.val > 0 ? 'training and validation' : 'training and test') : 'training'}. Add images to it.`,
        className: s.name,
      });
      continue;
    }
    const missing = [
      s.train === 0 ? 'training' : null,
      split.val > 0 && s.val === 0 ? 'validation' : null,
      split.test > 0 && s.test === 0 ? 'test' : null,
    ].filter((x): x is string => x !== null);
    if (missing.length > 0) {
      problems.push({
        kind: 'class-too-small-to-split',
        severity: 'warning',
        message: `Class "${s.name}" (${plural(s.count, 'image')}) got no ${missing.join(' and no ')} images from the split, so it cannot be ${missing.includes('training') ? 'learnt' : 'measured'} there. Add images to it.`,
        className: s.name,
      });
    }
  }
  return problems;
}
