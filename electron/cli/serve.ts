import type { Command } from '@commander-js/extra-typings';
import { TransferLabError } from '../../shared/errors';
import { appVersion } from '../../shared/version';
import { startWebHost } from '../host/webHost';
import type { BackendPreference } from '../engine/tf/backend';
import { backendOption, portNumber } from './cliOptions';
import { withOutput } from './output';
import { ensureWebBuild } from './webBuild';
import { webToken } from './webToken';

export { webBuildDir } from './webBuild';

const loopback = new Set(['127.0.0.1', 'localhost', '::1']);

/** `transfer-lab serve`: prints the address with its token and serves until interrupted. */
export async function runServe(o: { port: number; host: string; backend: BackendPreference; newToken?: boolean; allowHosts?: string[] }): Promise<void> {
  // right after `npm install` there is no out/web yet: build it rather than stop
  const staticDir = await ensureWebBuild();
  let host;
  try {
    host = await startWebHost({
      port: o.port,
      host: o.host,
      staticDir,
      version: appVersion,
      token: webToken({ renew: Boolean(o.newToken) }),
      allowHosts: o.allowHosts ?? [],
      service: { backend: o.backend },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new TransferLabError('BAD_ARGUMENT', `Port ${o.port} is already in use.`, 'Choose another with --port, or --port 0 for any free port.');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new TransferLabError('BAD_ARGUMENT', `Cannot bind to ${o.host}.`, 'Use 127.0.0.1 (the default), or an address of this machine.');
    throw e;
  }
  if (!loopback.has(o.host)) {
    process.stderr.write(
      `warning: listening on ${o.host}: anyone who can reach this machine and has the token can browse its folders and train models, and the traffic (the token included) is plain HTTP that anyone on the network path can read. Prefer the default 127.0.0.1 with an SSH tunnel (ssh -L ${host.port}:127.0.0.1:${host.port} <jetson>).\n`,
    );
  }
  process.stdout.write(`Transfer Lab is running. Open this address in a browser:\n\n  ${host.url}\n\nPress Ctrl+C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stderr.write('stopping…\n');
      void host.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `transfer-lab serve`'s options */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the app to a browser: the wizard over HTTP and WebSocket (for a headless Jetson through an SSH tunnel)')
    .option('--port <n>', 'port (0: any free port)', portNumber, 7860)
    .option('--host <address>', 'address to bind; anything but 127.0.0.1/localhost exposes your files to the network', '127.0.0.1')
    .addOption(backendOption())
    .option('--new-token', 'replace the kept token (~/.config/transfer-lab/web-token): pages with the old one are shut out')
    .option('--allow-host <name...>', 'a name besides localhost and IP addresses that browsers may reach this server by (e.g. jetson.local)')
    .action((o) =>
      withOutput(false, () => runServe({ port: o.port, host: o.host, backend: o.backend, newToken: Boolean(o.newToken), allowHosts: o.allowHost ?? [] })),
    );
}
