#!/usr/bin/env node
// Runs a TypeScript entry point through tsx's loader, so the repository needs no build step
// before its CLI, bench and scripts work. The Electron app bundles the same sources with Vite.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts <file.ts> [args...]');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
await import(pathToFileURL(path.resolve(entry)).href);
