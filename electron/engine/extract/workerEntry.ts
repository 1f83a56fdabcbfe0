import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeDirsSync } from '../util/makeDirs';

/**
 * Where an extraction worker's code is. The bundled desktop app and its packaged CLI name their
 * built file in TRANSFER_LAB_EXTRACT_WORKER (Electron's main for the engine process, the CLI's
 * wrapper). From the sources (the CLI, the web host, the bench, the tests) a worker would boot
 * through tsx's loader (extractWorker.boot.mjs), which in every new thread resolves and
 * transforms each module again: measured here, about 0.55 s of a worker's start against 0.25 s
 * for the same modules bundled. So the first pool of a process bundles the worker once with
 * esbuild (the compiler tsx itself runs; packages stay external) into a folder named by the
 * bundle's content under node_modules/.cache/transfer-lab/, and every worker of that process
 * loads it. Where esbuild is missing or the folder cannot be written: the tsx boot, as before.
 */
const sourceEntry = fileURLToPath(new URL('./extractWorker.ts', import.meta.url));
const tsxBoot = new URL('./extractWorker.boot.mjs', import.meta.url);

let bundled: Promise<URL> | null = null;

export function workerEntry(): Promise<URL> {
  const built = process.env.TRANSFER_LAB_EXTRACT_WORKER;
  if (built) return Promise.resolve(pathToFileURL(built));
  if (!fs.existsSync(sourceEntry)) return Promise.resolve(tsxBoot);
  bundled ??= bundleWorker().catch(() => tsxBoot);
  return bundled;
}

/** the repository's node_modules, where the externals resolve from */
function cacheRoot(): string {
  let dir = path.dirname(sourceEntry);
  while (!fs.existsSync(path.join(dir, 'node_modules'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('no node_modules above the sources');
    dir = up;
  }
  return path.join(dir, 'node_modules', '.cache', 'transfer-lab');
}

async function bundleWorker(): Promise<URL> {
  const esbuild = await import('esbuild');
  const root = cacheRoot();
  const r = await esbuild.build({
    entryPoints: { extractWorker: sourceEntry },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    splitting: true,
    outdir: root,
    write: false,
    logLevel: 'silent',
  });
  const hash = crypto.createHash('sha256');
  for (const f of r.outputFiles) hash.update(path.relative(root, f.path)).update(f.contents);
  const dir = path.join(root, `worker-${hash.digest('hex').slice(0, 16)}`);
  const entry = path.join(dir, 'extractWorker.js');
  if (!fs.existsSync(entry)) {
    // written beside, then renamed: a process that reads it meanwhile sees all of it or nothing
    const tmp = `${dir}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    makeDirsSync(tmp);
    for (const f of r.outputFiles) fs.writeFileSync(path.join(tmp, path.relative(root, f.path)), f.contents);
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      // another process renamed the same bundle first
      if (!fs.existsSync(entry)) throw e;
    }
    pruneOld(root, dir);
  }
  return pathToFileURL(entry);
}

/** bundles of earlier sources (a developer's edits) go once they have not been used for a day */
function pruneOld(root: string, keep: string): void {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of fs.readdirSync(root)) {
    const dir = path.join(root, name);
    if (dir === keep || !name.startsWith('worker-')) continue;
    try {
      if (fs.statSync(dir).mtimeMs < dayAgo) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // another process removed it first
    }
  }
}
