import os from 'node:os';
import path from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// tests never touch the user's own model and bottleneck caches
const testCache = path.join(os.tmpdir(), `transfer-lab-test-cache-${process.pid}`);

export default defineConfig({
  plugins: [vue()],
  test: {
    include: [
      'shared/**/*.test.ts',
      'electron/**/*.test.ts',
      'scripts/**/*.test.ts',
      'test/**/*.test.ts',
      'build/**/*.test.ts',
      'e2e/**/*.test.ts',
      'renderer/**/*.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    env: { TRANSFER_LAB_CACHE: testCache },
  },
});
