import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Configuration } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { minimatch } from 'minimatch';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The packaging configuration, checked without packaging (which needs downloads): electron-
 * builder's own loader and schema read it, then the promises it makes are checked against
 * the real package.json and the installed node_modules.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
};
let config: Configuration;

beforeAll(async () => {
  config = await getConfig(root, path.join(root, 'build', 'electron-builder.yml'), null);
  await validateConfiguration(config, new DebugLogger(false));
});

/** the globs of a files-like option (electron-builder normalises `files` to file sets of the app folder) */
function patterns(option: unknown): string[] {
  const list = (Array.isArray(option) ? option : [option]) as (string | { from?: string; filter?: string | string[] })[];
  return list.flatMap((p) => (typeof p === 'string' ? [p] : p.from === undefined || p.from === '.' ? [p.filter ?? []].flat() : []));
}
const matchesAny = (file: string, globs: string[]) => globs.some((g) => minimatch(file, g, { dot: true }));
/** whether electron-builder's `files` would take this path of the app directory */
function packaged(file: string): boolean {
  const globs = patterns(config.files);
  return (
    matchesAny(
      file,
      globs.filter((g) => !g.startsWith('!')),
    ) &&
    !matchesAny(
      file,
      globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1)),
    )
  );
}

/** the installed production dependency tree: package name → its folder */
function productionClosure(): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (name: string, from: string) => {
    if (seen.has(name)) return;
    let dir = from;
    while (!fs.existsSync(path.join(dir, 'node_modules', name, 'package.json'))) {
      if (path.dirname(dir) === dir) return; // an optional dependency not installed here
      dir = path.dirname(dir);
    }
    const at = path.join(dir, 'node_modules', name);
    seen.set(name, at);
    const p = JSON.parse(fs.readFileSync(path.join(at, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    for (const d of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) visit(d, at);
  };
  for (const d of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(d, root);
  return seen;
}

/** files that must be real files at run time: compiled addons, their build recipes, wasm */
function nativeFiles(dir: string, depth = 0): string[] {
  if (depth > 6) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : nativeFiles(p, depth + 1);
    return /\.(node|wasm)$/.test(e.name) || e.name === 'binding.gyp' ? [p] : [];
  });
}

describe('electron-builder configuration', () => {
  it('builds AppImage and deb, each for x64 and arm64 (a Jetson is arm64)', () => {
    const targets = (config.linux?.target as { target: string; arch: string[] }[]).map((t) => `${t.target}:${[...t.arch].sort().join(',')}`);
    expect(targets.sort()).toEqual(['AppImage:arm64,x64', 'deb:arm64,x64']);
    expect(config.productName).toBe('Transfer Lab');
    // fpm refuses to build a deb without a maintainer's email
    expect(config.linux?.maintainer).toMatch(/<[^@\s>]+@[^>\s]+>/);
    expect(config.appId).toMatch(/^[a-z][\w-]*(\.[\w-]+)+$/);
  });

  it('associates .tlab files with the app under their own mime type', () => {
    expect(config.fileAssociations).toEqual([expect.objectContaining({ ext: 'tlab', mimeType: 'application/x-transfer-lab-project' })]);
  });

  it('gives the desktop entry the Education and Science categories and the window’s app id', () => {
    const linux = config.linux!;
    expect(linux.category?.split(';').slice(0, 2)).toEqual(['Education', 'Science']);
    const executable = linux.executableName!;
    expect((config.extraMetadata as { desktopName: string }).desktopName).toBe(`${executable}.desktop`);
    expect(linux.desktop?.entry?.StartupWMClass).toBe(executable);
  });

  it('has a 512×512 icon', async () => {
    const meta = await sharp(path.join(root, config.linux!.icon!, '512x512.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 512, 512]);
  });

  it('unpacks every native module and wasm file of the production dependencies from the asar', () => {
    const unpack = patterns(config.asarUnpack);
    const closure = productionClosure();
    expect(closure.has('sharp')).toBe(true);
    const natives = [...closure.values()].flatMap((dir) => nativeFiles(dir)).map((f) => path.relative(root, f).split(path.sep).join('/'));
    expect(natives.length).toBeGreaterThan(0);
    expect(natives.filter((f) => !matchesAny(f, unpack))).toEqual([]);
    // the optional native backends are not installed here; they must be unpacked where they are
    // (the WebGPU backend is plain JavaScript; webgpu's dawn.node files are checked above where installed)
    for (const name of Object.keys(pkg.optionalDependencies ?? {}).filter((n) => n.startsWith('@tensorflow/tfjs-node')))
      expect(matchesAny(`node_modules/${name}/lib/binding.node`, unpack), name).toBe(true);
  });

  it('packages out/** and the app’s entry, and no devDependency', () => {
    expect(packaged(pkg.main)).toBe(true);
    for (const f of [
      'out/main/index.js',
      'out/main/engine.js',
      'out/main/extractWorker.js',
      'out/main/cli.js',
      'out/preload/index.cjs',
      'out/renderer/index.html',
    ])
      expect(packaged(f), f).toBe(true);
    for (const f of ['renderer/src/main.ts', 'electron/main/index.ts', 'shared/contract.ts', 'e2e/electron.test.ts']) expect(packaged(f), f).toBe(false);
    // electron-builder adds production dependencies itself; no pattern may pull in others
    for (const dev of ['vue', 'pinia', 'vite', 'vue-echarts', 'vue-router', 'electron', 'electron-vite']) {
      expect(pkg.devDependencies[dev], dev).toBeDefined();
      expect(packaged(`node_modules/${dev}/package.json`), dev).toBe(false);
    }
    // a production dependency may declare a devDependency of ours (protobufjs 6 lists
    // @types/node): then `files` must keep it out
    const closure = productionClosure();
    const negations = patterns(config.files)
      .filter((g) => g.startsWith('!'))
      .map((g) => g.slice(1));
    expect(Object.keys(pkg.devDependencies).filter((d) => closure.has(d) && !matchesAny(`node_modules/${d}/package.json`, negations))).toEqual([]);
  });

  it('ships the command-line wrapper, which runs the bundled CLI with Electron as Node', () => {
    expect(config.extraResources).toEqual([expect.objectContaining({ from: 'build/bin', to: 'bin' })]);
    const wrapper = path.join(root, 'build', 'bin', 'transfer-lab');
    expect(fs.statSync(wrapper).mode & 0o111).not.toBe(0);
    const text = fs.readFileSync(wrapper, 'utf8');
    expect(text).toMatch(/^#!\/bin\/sh/);
    expect(text).toMatch(/ELECTRON_RUN_AS_NODE=1/);
    expect(text).toContain(`$app_dir/${config.linux!.executableName}`);
    for (const built of ['main/cli.js', 'main/extractWorker.js', 'renderer']) expect(text).toContain(`$bundle/${built}`);
  });

  it('sets Electron’s fuses: file:// gets no extra privileges, only app.asar loads, no NODE_OPTIONS or --inspect; RunAsNode stays for the CLI', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: true,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // the page comes from app:// (electron/main/appProtocol.ts), which is what makes the file:// fuse safe to flip
    expect(fs.readFileSync(path.join(root, 'electron', 'main', 'appFiles.ts'), 'utf8')).not.toMatch(/pathToFileURL/);
  });
});
