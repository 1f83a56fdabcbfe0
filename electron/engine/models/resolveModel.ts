import fs from 'node:fs';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';
import { didYouMean, findCatalogEntry, modelCatalog, similarCatalogIds } from '../../../shared/catalog';
import type { CatalogEntry } from '../../../shared/model';
import type { Preprocessing } from '../../../shared/preprocessing';
import { describeBackboneFolder, type BackboneInfo } from './loadBackbone';
import { downloadModel, isModelCached, type DownloadProgress } from './download';

export interface ResolvedModel extends BackboneInfo {
  /** what the user gave: a catalog id, a folder or an address */
  spec: string;
  catalog?: CatalogEntry;
  downloaded: boolean;
  fromCache: boolean;
}

export interface ResolveOptions {
  cacheDir?: string;
  onDownload?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  preprocessing?: Partial<Preprocessing>;
}

function looksLikeUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

const hubHosts = new Set(['tfhub.dev', 'www.kaggle.com', 'kaggle.com']);

/** a TF Hub or Kaggle model handle (tfjs appends the file name), not a model.json address */
export function isHubHandle(spec: string): boolean {
  const url = parseUrl(spec);
  return url !== null && hubHosts.has(url.hostname.toLowerCase()) && !url.pathname.endsWith('/model.json') && url.pathname.length > 1;
}

/**
 * An address the engine will fetch: http(s) to a model.json, or a TF Hub / Kaggle handle. Any
 * other address is refused before a byte is sent, so a page holding the token cannot make the
 * engine fetch (and report on) an arbitrary address on the network it sits in.
 */
export function isModelAddress(spec: string): boolean {
  const url = parseUrl(spec);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false;
  return url.pathname.endsWith('/model.json') || isHubHandle(spec);
}

function parseUrl(spec: string): URL | null {
  try {
    return new URL(spec);
  } catch {
    return null;
  }
}

/**
 * Turns what the user typed into a model folder on disk: a catalog id or an http(s) address
 * is downloaded once into the per-user model cache (and works offline afterwards); a folder
 * is used where it is. Preprocessing comes from the catalog entry where there is one.
 */
export async function resolveModel(spec: string, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  const entry = findCatalogEntry(spec);
  const dlOpts = {
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
    ...(opts.onDownload ? { onProgress: opts.onDownload } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  if (entry) {
    const dl = await downloadModel(entry.url, { ...dlOpts, fromTFHub: entry.fromTFHub });
    const info = describeBackboneFolder(dl.dir, { ...entry.preprocessing, ...opts.preprocessing });
    return { ...info, name: entry.name, spec, catalog: entry, downloaded: true, fromCache: dl.fromCache };
  }
  if (looksLikeUrl(spec)) {
    if (!isModelAddress(spec)) {
      throw new TransferLabError(
        'BAD_ARGUMENT',
        `${spec} is not a model address.`,
        'Give the address of a model.json file (https://…/model.json), a TF Hub or Kaggle TF.js handle, a catalog id or a folder.',
      );
    }
    // TF Hub and Kaggle handles are not model.json addresses: tfjs appends the file name
    const fromTFHub = isHubHandle(spec);
    const dl = await downloadModel(spec, { ...dlOpts, fromTFHub });
    const info = describeBackboneFolder(dl.dir, opts.preprocessing);
    return { ...info, spec, downloaded: true, fromCache: dl.fromCache };
  }
  const dir = path.resolve(spec);
  if (!fs.existsSync(dir)) {
    const guess = didYouMean(similarCatalogIds(spec));
    throw new TransferLabError(
      'MODEL_NOT_FOUND',
      `"${spec}" is neither a catalog id, an http(s) address nor an existing folder.${guess ? ` ${guess}` : ''}`,
      'See `transfer-lab models` for catalog ids, or give a folder with model.json.',
    );
  }
  const folder = fs.statSync(dir).isDirectory() ? dir : path.dirname(dir);
  return { ...describeBackboneFolder(folder, opts.preprocessing), spec, downloaded: false, fromCache: false };
}

/**
 * The catalog entries already in the model cache, so the Model step can say which cards
 * work offline and which need a download first. Reads each entry's cache record, nothing more.
 */
export async function cachedCatalogIds(opts: { cacheDir?: string; entries?: readonly CatalogEntry[] } = {}): Promise<string[]> {
  const entries = opts.entries ?? modelCatalog;
  const cached = await Promise.all(entries.map((e) => isModelCached(e.url, { fromTFHub: e.fromTFHub, ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}) })));
  return entries.filter((_, i) => cached[i]).map((e) => e.id);
}
