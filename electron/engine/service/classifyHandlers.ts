import fs from 'node:fs';
import path from 'node:path';
import type { EngineEvent } from '../../../shared/events';
import type { Handlers } from '../../../shared/rpc';
import { classifyPhotos } from '../run/classifyPhotos';
import { HeldClassifier, LiveClassifier } from '../run/liveClassifier';
import { cutFeatureMap, featureMap } from '../run/featureMap';
import { scanDataset } from '../dataset/scanDataset';
import { readRun } from '../run/runFolder';
import { diskError } from '../util/atomicWrite';
import type { ServiceContext } from './serviceContext';
import { makeDirs } from '../util/makeDirs';

/** a photo's extension, kept only so a person reading the folder sees what it was */
const extensionOf = (name: string) => (/\.[a-z0-9]{1,5}$/i.exec(name)?.[0] ?? '').toLowerCase();

/** a map's extraction, as events the page that asked can draw a bar from */
function extractionProgress(c: ServiceContext, progressId: string | undefined): ((e: EngineEvent) => void) | undefined {
  if (!progressId) return undefined;
  return (e) => {
    if (e.type === 'progress' && e.phase === 'extract') c.emit('featureMap.progress', { progressId, done: e.done, total: e.total, etaSeconds: e.etaSeconds });
  };
}

/**
 * What a saved run makes of images. run.featureMap: its dataset's features as a picture;
 * dataset.featureMap: the same picture before any run, at a cut the user is weighing.
 * run.classify: photos sent as bytes (a browser's are on the user's machine, not the engine's)
 * are written to a folder of the request's own, answered by the run, and removed.
 * run.classifyFrame: a camera's frames, one at a time, by a run held open between them.
 */
export function classifyHandlers(c: ServiceContext): Partial<Handlers> {
  const live = new HeldClassifier((runDir) => LiveClassifier.open(runDir, c.backendOpt));
  return {
    'run.classifyFrame': async ({ runDir, base64, top }) => {
      await c.backendReady;
      return live.classify(runDir, Buffer.from(base64, 'base64'), top);
    },
    'run.featureMap': async ({ runDir, maxPoints, progressId }) => {
      await c.backendReady;
      return featureMap(runDir, { ...c.backendOpt, maxPoints, onEvent: extractionProgress(c, progressId) });
    },
    'dataset.featureMap': async ({ root, split, source, cut, maxPoints, progressId }) => {
      await c.backendReady;
      // the folder first: a dataset moved away is named before any model is loaded
      const scan = await scanDataset(root, { split });
      const model = await c.inspect(source);
      return cutFeatureMap(scan, model, cut, { ...c.backendOpt, maxPoints, onEvent: extractionProgress(c, progressId) });
    },
    'run.classify': async ({ runDir, photos }) => {
      // a run that is not there is said before any photo is written
      readRun(runDir);
      await c.backendReady;
      const base = path.join(c.dataDir, 'workspace', 'photos');
      let dir: string;
      const files: string[] = [];
      try {
        await makeDirs(base);
        dir = await fs.promises.mkdtemp(path.join(base, 'ask-'));
      } catch (e) {
        throw diskError(e, base);
      }
      try {
        for (const [i, p] of photos.entries()) {
          // never the name as a path: it came from another machine
          const file = path.join(dir, `${i}${extensionOf(p.name)}`);
          try {
            await fs.promises.writeFile(file, Buffer.from(p.base64, 'base64'));
          } catch (e) {
            throw diskError(e, file);
          }
          files.push(file);
        }
        const answers = await classifyPhotos(runDir, files, { ...c.backendOpt });
        return { answers: answers.map((a, i) => ({ ...a, file: photos[i]!.name })) };
      } finally {
        await fs.promises.rm(dir, { recursive: true, force: true });
      }
    },
  };
}
