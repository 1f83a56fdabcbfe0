// Runs the engine's utility-process entry under plain Node: Electron's `process.parentPort`
// is stood in for by the child-process IPC channel, so tests (and a quick smoke check of the
// built out/main/engine.js) need no Electron binary. Usage: node parentPortShim.mjs <entry>
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const port = new EventEmitter();
port.postMessage = (message) => process.send(message);
// like Electron's parentPort, hold messages until the entry listens (its imports take a while)
let queued = [];
process.on('message', (data) => (queued ? queued.push(data) : port.emit('message', { data })));
port.on('newListener', (event) => {
  if (event !== 'message' || !queued) return;
  const held = queued;
  queued = null;
  setImmediate(() => held.forEach((data) => port.emit('message', { data })));
});
process.parentPort = port;
await import(pathToFileURL(path.resolve(process.argv[2])).href);
