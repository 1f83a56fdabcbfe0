#!/usr/bin/env node
'use strict';
// The `transfer-lab` command: the CLI's TypeScript entry run as bin/run-ts.cjs runs any (the
// thread pool sized first, then tsx's loader; no build step).
const path = require('node:path');

process.argv.splice(2, 0, path.join(__dirname, '..', 'electron', 'cli', 'main.ts'));
require('./run-ts.cjs');
