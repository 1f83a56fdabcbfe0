#!/usr/bin/env node
// The `transfer-lab` command. TypeScript sources run through tsx's loader (no build step).
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const here = path.dirname(fileURLToPath(import.meta.url));
await import(pathToFileURL(path.join(here, '..', 'electron', 'cli', 'main.ts')).href);
