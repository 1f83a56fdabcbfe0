import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';
import { onnxCompilerRevision } from '../frozen/onnx/revision';
import type { CompiledGraph } from './protocol';

/**
 * The compiled frozen part and its parity verdict, kept beside the features they make. A
 * second run of the same model, cut and preprocessing (the cache folder is keyed by them) on
 * the same ONNX Runtime and the same translator loads no TF.js model, compiles nothing and
 * checks nothing: on 2 cores that is most of a short run's start. Only a graph that passed is
 * kept; a file that does not load is removed and the graph made anew.
 */
export interface CachedCompiled {
  compiled: CompiledGraph;
  parityMaxDiff: number;
  /** how many of the dataset's images the check ran on when it was made (0: random pixels) */
  checkedOn: number;
}

interface Verdict {
  inputName: string;
  outputName: string;
  parityMaxDiff: number;
  checkedOn: number;
  bytes: number;
  createdAt: string;
}

async function ortVersion(): Promise<string> {
  const ort = (await import('onnxruntime-node')) as {
    env?: { versions?: { node?: string; common?: string } };
    default?: { env?: { versions?: { node?: string } } };
  };
  return ort.env?.versions?.node ?? ort.default?.env?.versions?.node ?? 'unknown';
}

/** the files' names say what made them: ONNX Runtime's version and the translator's revision */
async function files(cacheDir: string): Promise<{ onnx: string; json: string }> {
  const base = path.join(cacheDir, `frozen-ort${await ortVersion()}-c${onnxCompilerRevision}`);
  return { onnx: `${base}.onnx`, json: `${base}.json` };
}

/**
 * Whether a verdict of this translator's revision is kept here, for any ONNX Runtime version
 * (not whether it loads: readCompiled says that). It reads only the folder, so the pool's own
 * thread can ask without loading ONNX Runtime's native binding.
 */
export function hasCompiled(cacheDir: string): boolean {
  try {
    return fs.readdirSync(cacheDir).some((f) => f.startsWith('frozen-ort') && f.endsWith(`-c${onnxCompilerRevision}.json`));
  } catch {
    return false;
  }
}

export async function readCompiled(cacheDir: string): Promise<CachedCompiled | null> {
  try {
    const f = await files(cacheDir);
    if (!fs.existsSync(f.json) || !fs.existsSync(f.onnx)) return null;
    const v = JSON.parse(fs.readFileSync(f.json, 'utf8')) as Verdict;
    const bytes = new Uint8Array(fs.readFileSync(f.onnx));
    if (bytes.length !== v.bytes || typeof v.inputName !== 'string' || typeof v.outputName !== 'string' || !(v.parityMaxDiff >= 0)) return null;
    return { compiled: { bytes, inputName: v.inputName, outputName: v.outputName }, parityMaxDiff: v.parityMaxDiff, checkedOn: v.checkedOn };
  } catch {
    return null;
  }
}

export async function writeCompiled(cacheDir: string, c: CachedCompiled): Promise<void> {
  const f = await files(cacheDir);
  // written without blocking the worker's thread, which is extracting meanwhile; the verdict goes last, so a graph without one is never read
  await writeFileAtomic(f.onnx, c.compiled.bytes);
  const v: Verdict = {
    inputName: c.compiled.inputName,
    outputName: c.compiled.outputName,
    parityMaxDiff: c.parityMaxDiff,
    checkedOn: c.checkedOn,
    bytes: c.compiled.bytes.length,
    createdAt: new Date().toISOString(),
  };
  await writeFileAtomic(f.json, JSON.stringify(v));
}

export async function removeCompiled(cacheDir: string): Promise<void> {
  const f = await files(cacheDir);
  for (const p of [f.json, f.onnx]) fs.rmSync(p, { force: true });
}
