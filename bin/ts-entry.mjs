// The ES module half of bin/transfer-lab.cjs and bin/run-ts.cjs: tsx's loader, then the
// TypeScript entry point they name (no build step).
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';

register();

/** runs a TypeScript file as the program's entry */
export function runTs(file) {
  return import(pathToFileURL(file).href);
}
