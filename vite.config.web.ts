import path from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The renderer as plain web files for the web host (`transfer-lab serve`): same code as the
// desktop window, talking to the engine over a WebSocket instead of IPC.
export default defineConfig({
  root: path.resolve(import.meta.dirname, 'renderer'),
  base: './',
  plugins: [vue()],
  build: {
    outDir: path.resolve(import.meta.dirname, 'out', 'web'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
  },
});
