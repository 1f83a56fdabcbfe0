import path from 'node:path';
import type { Handlers } from '../../../shared/rpc';
import { scanDataset } from '../dataset/scanDataset';
import { augmentPreviewJpegs } from '../images/augment';
import { thumbnailJpeg } from '../images/thumbnail';
import { listFolder } from './fsBrowser';
import type { ServiceContext } from './serviceContext';

/** fs.list and dataset.*: the folder browser, the scan, and the images the dataset step shows */
export function datasetHandlers(c: ServiceContext): Partial<Handlers> {
  return {
    // any folder the user types is listed (it is their machine); the browser starts at home and offers the places they chose
    'fs.list': async ({ path: dir }) => ({ ...(await listFolder(dir)), places: await c.chosen.places() }),
    'dataset.scan': async ({ path: root, split }) => {
      const scan = await scanDataset(root, { ...(split ? { split } : {}), onProgress: (done, total) => c.emit('scan.progress', { path: root, done, total }) });
      await c.chosen.choose('dataset', root);
      return scan;
    },
    'dataset.thumbnail': async ({ root, relPath, size }) => {
      const file = await c.chosen.datasetImage(root, relPath);
      const jpeg = await thumbnailJpeg(file, size, path.join(c.dataDir, 'thumbnails'));
      return { dataUrl: `data:image/jpeg;base64,${jpeg.toString('base64')}` };
    },
    'dataset.augmentPreview': async ({ root, relPath, contentHash, variants, size }) => {
      const file = await c.chosen.datasetImage(root, relPath);
      const jpegs = await augmentPreviewJpegs(file, contentHash, variants, size);
      return { dataUrls: jpegs.map((j) => `data:image/jpeg;base64,${j.toString('base64')}`) };
    },
  };
}
