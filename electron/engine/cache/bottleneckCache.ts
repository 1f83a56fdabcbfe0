import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { extractionMeasurementSchema, keptMeasurement, type ExtractionMeasurement } from '../../../shared/extraction';
import { preprocessingKey, type Preprocessing } from '../../../shared/preprocessing';
import { bottleneckCachePlace, diskError, writeFileAtomicSync } from '../util/atomicWrite';
import { augmentPolicyVersion } from '../images/augment';
import { makeDirs } from '../util/makeDirs';

/**
 * Bottleneck features on disk, one binary float32 file per image, keyed by what determines
 * them: the model's files, the cut layer, the pooling, the preprocessing and the image's
 * content hash. Nothing else: so a renamed or moved photo still hits, an edited photo misses,
 * and deleting the folder only costs one extraction. Derived data: a damaged file is a miss.
 */
// 3: images no larger than the model's input enlarged by the runtime, in float (2: libvips'
// bilinear, rounded to bytes; 1: Lanczos)
export const cacheFormatVersion = 3;

export interface CacheSpec {
  modelKey: string;
  cut: string;
  pooling: 'avg' | 'none';
  preprocessing: Preprocessing;
  featureDim: number;
  /** the augmentation variant; 0 is the plain image */
  variant?: number;
}

export function cacheKey(spec: CacheSpec): string {
  const text = JSON.stringify([cacheFormatVersion, spec.modelKey, spec.cut, spec.pooling, preprocessingKey(spec.preprocessing), spec.featureDim]);
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 24);
}

export class BottleneckCache {
  readonly dir: string;
  readonly featureDim: number;

  constructor(
    root: string,
    readonly spec: CacheSpec,
  ) {
    this.dir = path.join(root, cacheKey(spec));
    this.featureDim = spec.featureDim;
  }

  /** the description beside the features says what they are, for a person looking at the folder */
  async init(): Promise<void> {
    try {
      await makeDirs(this.dir);
      const about = path.join(this.dir, 'about.json');
      if (!fs.existsSync(about))
        await fsp.writeFile(about, JSON.stringify({ ...this.spec, format: 'float32 little-endian, featureDim values per file' }, null, 2));
    } catch (e) {
      throw diskError(e, this.dir, bottleneckCachePlace(path.dirname(this.dir)));
    }
  }

  /** the measurement of the extraction that made these features (see keptMeasurement); null when none was kept */
  readMeasurement(): ExtractionMeasurement | null {
    return BottleneckCache.measurementIn(this.dir);
  }

  /** the measurement kept in a cache entry's folder (a run record's cache.dir) */
  static measurementIn(dir: string): ExtractionMeasurement | null {
    try {
      const r = extractionMeasurementSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, 'extraction.json'), 'utf8')));
      return r.success ? r.data : null;
    } catch {
      return null;
    }
  }

  /**
   * Keeps a new extraction's measurement beside the features, merged with the one kept (the
   * larger extraction wins); returns what is kept. Derived data like the features: a write that
   * fails loses a figure, never the run.
   */
  keepMeasurement(fresh: ExtractionMeasurement): ExtractionMeasurement {
    const kept = keptMeasurement(this.readMeasurement(), fresh) ?? fresh;
    try {
      writeFileAtomicSync(path.join(this.dir, 'extraction.json'), JSON.stringify(kept, null, 2));
    } catch {
      // the features are what matter; the next extraction measures again
    }
    return kept;
  }

  fileFor(contentHash: string, variant = 0): string {
    // an augmented variant's name carries the augmentation policy that made it
    const name = variant ? `${contentHash}.a${augmentPolicyVersion}v${variant}.f32` : `${contentHash}.f32`;
    return path.join(this.dir, contentHash.slice(0, 2), name);
  }

  /** a file of the wrong size (torn write, older format) counts as missing */
  has(contentHash: string, variant = 0): boolean {
    try {
      return fs.statSync(this.fileFor(contentHash, variant)).size === this.featureDim * 4;
    } catch {
      return false;
    }
  }

  /** Reads one item's features into `out` at `offset` (no allocation per item). */
  readInto(contentHash: string, out: Float32Array, offset: number, variant = 0): void {
    const bytes = new Uint8Array(out.buffer, out.byteOffset + offset * 4, this.featureDim * 4);
    const fd = fs.openSync(this.fileFor(contentHash, variant), 'r');
    try {
      const n = fs.readSync(fd, bytes, 0, bytes.byteLength, 0);
      if (n !== bytes.byteLength) throw new Error(`bottleneck file for ${contentHash} is truncated`);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Features of several items as one [n, featureDim] array. */
  readBatch(hashes: readonly string[], variants?: readonly number[]): Float32Array {
    const out = new Float32Array(hashes.length * this.featureDim);
    hashes.forEach((h, i) => this.readInto(h, out, i * this.featureDim, variants?.[i] ?? 0));
    return out;
  }

  async sizeOnDisk(): Promise<number> {
    let total = 0;
    const walk = async (d: string): Promise<void> => {
      for (const e of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else total += (await fsp.stat(p)).size;
      }
    };
    await walk(this.dir);
    return total;
  }
}
