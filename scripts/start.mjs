#!/usr/bin/env node
// `npm start`: builds and opens the desktop app. Where Electron's binary is not downloaded
// (a machine whose only network is the npm registry), says so plainly and serves the same app
// to a browser instead: `npm run build:web`, then `transfer-lab serve`, which prints the address.
// Arguments after `npm start --` go to Electron (a .tlab file) or to serve (--port, --host).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadElectronBinary, findElectronBinary } from './electronBinary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function npmRun(script) {
  // the npm that started us, or the one on PATH
  const npm = process.env.npm_execpath;
  if (npm) run(process.execPath, [npm, 'run', '--silent', script]);
  else run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', script]);
}

function hand(cmd, cmdArgs) {
  const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  // Ctrl+C reaches the child itself (same process group): wait while it shuts down. A signal
  // sent to this process alone (npm passing one on, a service manager) is passed to the child.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

let electron = findElectronBinary(root);
if (!electron.path) {
  const first = electron.missing;
  process.stdout.write('Electron’s binary is not here; trying its installer once…\n');
  electron = downloadElectronBinary(root);
  if (!electron.path) electron = { missing: `${first}, and ${electron.missing}` };
}

if (electron.path) {
  npmRun('build');
  hand(electron.path, ['.', ...args]);
} else {
  process.stdout.write(
    `\nElectron binary not downloaded: ${electron.missing}.\n` +
      'The desktop window cannot open on this machine. Serving the same app to your browser instead.\n' +
      '(To get the desktop app: on a machine with internet access, `npx install-electron`, or set ELECTRON_OVERRIDE_DIST_PATH.)\n\n',
  );
  npmRun('build:web');
  hand(process.execPath, [path.join(root, 'bin', 'transfer-lab.cjs'), 'serve', ...args]);
}
