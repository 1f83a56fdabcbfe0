// Where Electron's binary is, without side effects. electron@45's own `require('electron')`
// looks for node_modules/electron/path.txt and dist/, and when they are missing it tries to
// download the binary on the spot, printing a stack trace when that fails (no network, as on
// the machines this project is built on). Tests and `npm start` need a quiet answer first.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** { path } of the binary, or { missing } saying in a few words why there is none */
export function findElectronBinary(root) {
  let pkgDir;
  try {
    pkgDir = path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed (run npm install)' };
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  const name = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const bin = path.join(override, name || 'electron');
    return fs.existsSync(bin) ? { path: bin } : { missing: `ELECTRON_OVERRIDE_DIST_PATH names ${bin}, which does not exist` };
  }
  if (!name) return { missing: `${path.relative(root, pkgDir)} has no binary (its install step did not download one)` };
  const bin = path.join(pkgDir, 'dist', name);
  return fs.existsSync(bin) ? { path: bin } : { missing: `${path.relative(root, bin)} does not exist` };
}

/**
 * Lets the electron package try what it does on first use: `require('electron')` downloads the
 * binary. Its output is captured, so a machine without network gets one plain line back.
 */
export function downloadElectronBinary(root, timeoutMs = 180_000) {
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], { cwd: root, encoding: 'utf8', timeout: timeoutMs });
  if (r.status === 0 && r.stdout && fs.existsSync(r.stdout)) return { path: r.stdout };
  const why = `${r.stderr ?? ''}`.split('\n').find((l) => /fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|timed out|Error:/i.test(l));
  return { missing: `downloading it failed (${r.error ? r.error.message : (why ?? 'no output').trim()})` };
}
