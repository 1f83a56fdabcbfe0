import fs from 'node:fs';
import path from 'node:path';
import { TransferLabError } from '../../shared/errors';
import type { PhotoPrediction } from '../../shared/run';
import { loadClassifier, readExportManifest, topK } from '../engine/export/classifier';
import { exportManifestName, type ExportFormat } from '../engine/export/exportModel';
import { compareNames } from '../engine/dataset/walk';
import { isHiddenOrSystemFile, isImageFileName } from '../engine/images/imageFiles';
import { classifyPhotos } from '../engine/run/classifyPhotos';
import { isRunFolder, readRun } from '../engine/run/runFolder';
import { runLayout } from '../engine/run/runLayout';
import { initBackend, type BackendPreference } from '../engine/tf/backend';
import { pct, type Output } from './output';

/** `transfer-lab predict`: photos and folders of them, answered by an export or a run */

/** a photo to ask about: as the user will read its name, and where it is */
export interface PhotoArg {
  shown: string;
  file: string;
}

/**
 * The photos `predict` was given: a file as it is, a folder as every image in it and in its
 * sub-folders (by name; hidden and system files left out), as classify.py reads one. A folder
 * was refused ("is a folder, not a file"). A folder with no image in it is said so, not skipped.
 */
export function photoArgs(args: readonly string[]): { photos: PhotoArg[]; empty: string[] } {
  const photos: PhotoArg[] = [];
  const empty: string[] = [];
  for (const arg of args) {
    const file = path.resolve(arg);
    let isFolder = false;
    try {
      isFolder = fs.statSync(file).isDirectory();
    } catch {
      // a file that is not there: its answer says so
    }
    if (!isFolder) {
      photos.push({ shown: arg, file });
      continue;
    }
    const inside = fs
      .readdirSync(file, { recursive: true, encoding: 'utf8' })
      .filter((rel) => !rel.split(path.sep).some(isHiddenOrSystemFile) && isImageFileName(rel))
      .sort(compareNames);
    if (!inside.length) empty.push(arg);
    for (const rel of inside) photos.push({ shown: path.join(arg, rel), file: path.join(file, rel) });
  }
  return { photos, empty };
}

/**
 * Photos in a folder named after a class are that class's: how many the classifier named right,
 * and the confusions most often made (as classify.py counts them). Null when no photo lies in
 * such a folder.
 */
export function classFolderCount(
  answered: ReadonlyArray<{ file: string; said: string }>,
  classes: readonly string[],
): { right: number; of: number; confused: Array<{ trueClass: string; takenFor: string; photos: number }> } | null {
  const known = new Set(classes);
  let right = 0;
  let of = 0;
  const confused = new Map<string, { trueClass: string; takenFor: string; photos: number }>();
  for (const a of answered) {
    const truth = path.basename(path.dirname(a.file));
    if (!known.has(truth)) continue;
    of++;
    if (a.said === truth) right++;
    else {
      const key = `${truth}\n${a.said}`;
      const c = confused.get(key) ?? { trueClass: truth, takenFor: a.said, photos: 0 };
      c.photos++;
      confused.set(key, c);
    }
  }
  if (!of) return null;
  const worst = [...confused.values()].sort((a, b) => b.photos - a.photos || compareNames(a.trueClass, b.trueClass)).slice(0, 3);
  return { right, of, confused: worst };
}

export async function runPredict(
  out: Output,
  modelDir: string,
  images: string[],
  o: { top: number; backend: BackendPreference; format?: ExportFormat },
): Promise<void> {
  const cannot = (file: string, error: string) => {
    if (out.json) process.stdout.write(`${JSON.stringify({ type: 'prediction', file, error })}\n`);
    else process.stderr.write(`${file}: cannot classify: ${error}\n`);
  };
  const { photos, empty } = photoArgs(images);
  for (const folder of empty) cannot(folder, 'a folder with no images in it');
  if (!photos.length) {
    process.exitCode = 1;
    return;
  }
  await initBackend(o.backend);
  const files = photos.map((p) => p.file);
  // a run folder answers through the engine (its cache and extractor); an export through its own model
  const run = isRunFolder(modelDir);
  const answers = run
    ? await classifyPhotos(modelDir, files, {
        backend: o.backend,
        top: o.top,
        // a person asking about a photo wants its answer: of the engine's story, only a long extraction's bar
        onEvent: (e) => (out.json || e.type === 'progress' ? out.event(e) : undefined),
      })
    : await predictWithExport(modelDir, files, o);
  const answered: Array<{ file: string; said: string }> = [];
  answers.forEach((a, i) => {
    const shown = photos[i]!.shown;
    if ('error' in a) {
      cannot(shown, a.error);
      return;
    }
    answered.push({ file: files[i]!, said: a.top[0]!.className });
    if (out.json) process.stdout.write(`${JSON.stringify({ type: 'prediction', file: shown, top: a.top })}\n`);
    else out.info(`${shown}: ${a.top.map((t) => `${t.className} ${pct(t.probability)}`).join(', ')}`);
  });
  const count = classFolderCount(answered, run ? readRun(modelDir).evaluation.classes : readExportManifest(modelDir).labels);
  if (count) {
    if (out.json) process.stdout.write(`${JSON.stringify({ type: 'summary', ...count })}\n`);
    else {
      const worst = count.confused.map((c) => `${c.trueClass} as ${c.takenFor} (${c.photos})`).join(', ');
      process.stderr.write(
        `${count.right} of ${count.of} photos in folders named after a class were that class (${pct(count.right / count.of)})${worst ? `; most taken for another: ${worst}` : ''}\n`,
      );
    }
  }
  if (empty.length || answers.some((a) => 'error' in a)) process.exitCode = 1;
}

async function predictWithExport(modelDir: string, files: string[], o: { top: number; format?: ExportFormat }): Promise<PhotoPrediction[]> {
  if (!fs.existsSync(path.join(modelDir, exportManifestName)))
    throw new TransferLabError(
      'MODEL_NOT_FOUND',
      `${modelDir} is neither an exported Transfer Lab model (no ${exportManifestName}) nor a run folder (no ${runLayout.record}).`,
      'Give the folder `transfer-lab export` wrote, or the run folder `transfer-lab train` printed.',
    );
  const classifier = await loadClassifier(modelDir, o.format);
  try {
    const { probabilities, failures } = await classifier.classify(files);
    const failed = new Map(failures.map((f) => [f.file, f.reason]));
    return files.map((file, i) => {
      const error = failed.get(file);
      return error ? { file, error } : { file, top: topK(probabilities, i, classifier.manifest.labels, o.top) };
    });
  } finally {
    classifier.dispose();
  }
}
