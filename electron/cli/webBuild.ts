import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as ViteModule from 'vite';
import { TransferLabError } from '../../shared/errors';
import { makeDirs } from '../engine/util/makeDirs';

type ViteApi = typeof ViteModule;

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function webBuildDir(): string {
  return process.env.TRANSFER_LAB_WEB_DIR ?? path.join(repoRoot, 'out', 'web');
}

export const hasWebBuild = (dir: string): boolean => fs.existsSync(path.join(dir, 'index.html'));

export interface EnsureWebBuildOptions {
  /** where the files go; default webBuildDir() */
  dir?: string;
  /** one line before and one after the build */
  progress?: (line: string) => void;
  /** the Vite config that builds the web renderer; default the repository's */
  configFile?: string;
}

/**
 * The web renderer's files, built on demand: right after `npm install` (out/ is not in the
 * package) `serve` builds them once with the repository's own Vite config instead of stopping.
 * The build goes to a folder beside the target and is renamed into place, so an interrupted
 * build never leaves a half-built app that would be served. A build that cannot run (no Vite:
 * installed without dev dependencies; a read-only folder) is one line saying so.
 */
export async function ensureWebBuild(o: EnsureWebBuildOptions = {}): Promise<string> {
  const dir = path.resolve(o.dir ?? webBuildDir());
  if (hasWebBuild(dir)) return dir;
  const progress = o.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const configFile = o.configFile ?? path.join(repoRoot, 'vite.config.web.ts');
  const cannot = (why: string, hint: string) =>
    new TransferLabError('INTERNAL', `The app's web files are not built (${dir} has no index.html), and cannot be built here: ${why}.`, hint);
  if (!fs.existsSync(configFile))
    throw cannot(`${configFile} is missing`, 'Reinstall Transfer Lab from its repository, or set TRANSFER_LAB_WEB_DIR to a built copy.');
  let vite: ViteApi;
  try {
    // a name, not a literal: the packaged CLI's bundler must not pull Vite (a dev tool) in
    const viteModule = 'vite';
    vite = (await import(/* @vite-ignore */ viteModule)) as ViteApi;
  } catch {
    throw cannot('Vite is not installed (dev dependencies were left out)', 'Run `npm install` (without --omit=dev), then serve again.');
  }
  const staging = `${dir}.building-${process.pid}`;
  const started = Date.now();
  progress(`The app's web files are not built yet: building them once into ${dir} (vite build)…`);
  try {
    await makeDirs(path.dirname(dir));
    await vite.build({ configFile, logLevel: 'error', build: { outDir: staging, emptyOutDir: true } });
    if (!hasWebBuild(staging)) throw new Error('the build wrote no index.html');
    await fs.promises.rm(dir, { recursive: true, force: true });
    await fs.promises.rename(staging, dir);
  } catch (e) {
    await fs.promises.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw cannot(
        `${path.dirname(dir)} is not writable (${code})`,
        'Run `npm run build:web` as the user who installed Transfer Lab, or set TRANSFER_LAB_WEB_DIR to a built copy.',
      );
    if (code === 'ENOSPC') throw cannot('the disk is full', 'Free some space, then serve again.');
    throw cannot(`the build failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`, 'Run `npm run build:web` to see the whole error.');
  }
  progress(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return dir;
}
