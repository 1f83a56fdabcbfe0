import fs from 'node:fs';
import path from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentSecurityPolicyMeta } from './shared/csp';

/**
 * The desktop app's build: main (with the engine's utility-process entry, its extraction
 * worker and the CLI as further entries beside it), the sandboxed preload, and the renderer.
 * Output in out/{main,preload,renderer}; electron-builder packages out/** only.
 */
const root = import.meta.dirname;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
const at = (p: string) => path.join(root, p);

/** A file:// page cannot be given the CSP header reliably, so the built page carries it itself. */
function cspMetaTag(): Plugin {
  return {
    name: 'transfer-lab:csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicyMeta }, injectTo: 'head-prepend' },
    ],
  };
}

/** the window's icon beside the bundled main (packaged apps carry out/** only) */
function windowIcon(): Plugin {
  return {
    name: 'transfer-lab:window-icon',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'icon.png', source: fs.readFileSync(at('build/icons/512x512.png')) });
    },
  };
}

export default defineConfig({
  main: {
    plugins: [windowIcon()],
    build: {
      outDir: at('out/main'),
      // dependencies load from node_modules at run time (sharp, @tensorflow/*, zod, ws…): native
      // code and wasm must stay real files; the optional native backends are external too, or
      // the bundler would fail on a machine where their install was skipped
      externalizeDeps: { include: Object.keys(pkg.optionalDependencies ?? {}) },
      rolldownOptions: {
        input: {
          index: at('electron/main/index.ts'),
          engine: at('electron/engine/service/utilityEntry.ts'),
          // the engine's pool starts this file in worker threads (see setExtractWorkerUrl)
          extractWorker: at('electron/engine/extract/extractWorker.ts'),
          // the packaged `transfer-lab` command runs this with the app's Electron as Node
          cli: at('electron/cli/main.ts'),
        },
        output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: at('out/preload'),
      // a sandboxed preload can require only electron: everything else is bundled in
      externalizeDeps: false,
      rolldownOptions: {
        // the hidden GPU window's preload beside the main window's
        input: { index: at('electron/preload/index.ts'), gpuWindow: at('electron/preload/gpuWindow.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: at('renderer'),
    plugins: [vue(), cspMetaTag()],
    build: {
      outDir: at('out/renderer'),
      // the same files also serve `transfer-lab serve` from a packaged app, in any current browser
      target: 'es2022',
      chunkSizeWarningLimit: 1500,
      // the app's page, and the hidden GPU window's (electron/gpuWindow/)
      rolldownOptions: { input: { index: at('renderer/index.html'), gpu: at('renderer/gpu.html') } },
    },
  },
});
