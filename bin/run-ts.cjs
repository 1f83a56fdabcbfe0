#!/usr/bin/env node
'use strict';
// Runs a TypeScript entry point through tsx's loader, so the repository needs no build step
// before its CLI, bench and scripts work. The Electron app bundles the same sources with Vite.
// CommonJS, so the thread pool is sized before anything uses it (bin/threadpool.cjs).
require('./threadpool.cjs').sizeThreadpool();
const path = require('node:path');

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts <file.ts> [args...]');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
import('./ts-entry.mjs').then((m) => m.runTs(path.resolve(entry)));
