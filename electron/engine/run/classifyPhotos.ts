import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetImage } from '../../../shared/dataset';
import type { EngineEvent } from '../../../shared/events';
import type { PhotoPrediction } from '../../../shared/run';
import { topK } from '../export/classifier';
import { initBackend, type BackendPreference } from '../tf/backend';
import { predictSource } from './evaluate';
import { runBackbone, runCacheRoot } from './evaluateRun';
import { cachedFeatureSource } from './featureSource';
import { prepareFeatures } from './prepareFeatures';
import { readNet, readRun } from './runFolder';

export interface ClassifyPhotosOptions {
  backend?: BackendPreference;
  cacheDir?: string;
  /** how many classes each answer names, most likely first (default: every class) */
  top?: number;
  onEvent?: (e: EngineEvent) => void;
  signal?: AbortSignal;
}

/** a file's bytes, or why they cannot be read */
function readPhoto(file: string): { bytes: Buffer } | { error: string } {
  try {
    const bytes = fs.readFileSync(file);
    return bytes.length ? { bytes } : { error: 'the file is empty (0 bytes)' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not an image file' : `cannot be read (${code ?? String(e)})` };
  }
}

/**
 * A saved run's classifier on photos it never saw, from anywhere on disk: each goes through
 * the run's frozen part exactly as its training images did (same model, cut, preprocessing and
 * extractor, features kept in the run's cache, so asking twice extracts nothing), then through
 * its head. A file that cannot be read or decoded gets the reason instead of an answer; the
 * others are answered all the same.
 */
export async function classifyPhotos(runDir: string, files: readonly string[], o: ClassifyPhotosOptions = {}): Promise<PhotoPrediction[]> {
  const record = readRun(runDir);
  const emit = o.onEvent ?? (() => undefined);
  const backend = await initBackend(o.backend ?? 'auto');
  const { model, plan } = await runBackbone(record, emit);
  const classes = record.dataset.classes;
  const errors = new Map<string, string>();
  const images: DatasetImage[] = [];
  for (const file of files.map((f) => path.resolve(f))) {
    const read = readPhoto(file);
    if ('error' in read) {
      errors.set(file, read.error);
      continue;
    }
    // the features are keyed by content, as a dataset's are; nothing else of an image is read
    const contentHash = createHash('sha1').update(read.bytes).digest('hex');
    images.push({ relPath: file, label: 0, contentHash, bytes: read.bytes.length, width: 0, height: 0, format: '', split: 'test' });
  }
  if (images.length) {
    emit({ type: 'phase', phase: 'extract', message: `the frozen part on ${images.length} photo${images.length === 1 ? '' : 's'}` });
    const features = await prepareFeatures({
      root: path.parse(images[0]!.relPath).root,
      images,
      model,
      plan,
      cacheRoot: runCacheRoot(record, o.cacheDir),
      backend: backend.name,
      backendOnGpu: backend.gpu,
      runtime: 'auto',
      onEvent: emit,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    for (const f of features.failed) errors.set(f.path, f.reason);
    const good = images.filter((i) => !errors.has(i.relPath));
    if (good.length) {
      const net = await readNet(runDir, record);
      try {
        const { probabilities } = predictSource(net, cachedFeatureSource(features.cache, good), classes.length);
        const answers = new Map(good.map((img, row) => [img.relPath, topK(probabilities, row, classes, o.top ?? classes.length)]));
        return files.map((file) => {
          const top = answers.get(path.resolve(file));
          return top ? { file, top } : { file, error: errors.get(path.resolve(file)) ?? 'not classified' };
        });
      } finally {
        net.dispose();
      }
    }
  }
  return files.map((file) => ({ file, error: errors.get(path.resolve(file)) ?? 'not classified' }));
}
