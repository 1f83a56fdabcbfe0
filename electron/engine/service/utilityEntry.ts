import { backendPreferences, type BackendPreference } from '../tf/backend';
import { createLabService } from './labService';
import { appVersion } from '../../../shared/version';
import { serveEngine, type ParentPortLike } from './utilityServer';
import { setGpuWindowPort, type AppPortLike } from '../extract/gpuWindowLink';

/**
 * The engine in the desktop app: Electron's main forks this file as a utility process, so
 * training never blocks a window, and talks to it over `process.parentPort`. Plain Node: the
 * engine never imports electron. Main passes what it knows through the environment: the
 * version, a forced backend, and TRANSFER_LAB_EXTRACT_WORKER (see extract/workerHandle.ts).
 */
const port = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!port) {
  process.stderr.write('This is the engine of the Transfer Lab desktop app; the app starts it. On the command line use `transfer-lab`.\n');
  process.exit(2);
}

const env = process.env;
const backend = backendPreferences.find((b) => b === env.TRANSFER_LAB_BACKEND) as BackendPreference | undefined;

serveEngine(
  port,
  (emit) => createLabService({ host: 'electron', version: env.TRANSFER_LAB_VERSION ?? appVersion, emit, ...(backend ? { backend } : {}) }),
  (code) => process.exit(code),
  // the app's GPU window (main sends its port): the frozen part runs on Chromium's WebGPU there
  (gpuPort) => setGpuWindowPort(gpuPort as AppPortLike),
);
