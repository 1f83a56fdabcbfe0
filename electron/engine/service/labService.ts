import os from 'node:os';
import path from 'node:path';
import type { ProjectOwner } from '../../../shared/contract';
import { extractionOf } from '../../../shared/extraction';
import type { Handlers } from '../../../shared/rpc';
import type { RunRecord, TrainConfig } from '../../../shared/run';
import { BottleneckCache } from '../cache/bottleneckCache';
import { resolveModel } from '../models/resolveModel';
import { userCacheDir } from '../paths';
import { ProjectRunLog } from '../project/projectRuns';
import { currentBackend, initBackend, type BackendPreference } from '../tf/backend';
import { ChosenFolders } from './chosenFolders';
import { datasetHandlers } from './datasetHandlers';
import { classifyHandlers } from './classifyHandlers';
import { exportHandlers } from './exportHandlers';
import { JobRunner } from './jobRunner';
import { MeasuredSpeeds } from './measuredSpeeds';
import { modelHandlers } from './modelHandlers';
import { projectHandlers } from './projectHandlers';
import { MiB, type EmitEvent, type ServiceContext } from './serviceContext';
import { trainHandlers } from './trainHandlers';

export interface LabServiceOptions {
  host: 'electron' | 'web';
  version: string;
  emit: EmitEvent;
  backend?: BackendPreference;
  /** where runs, thumbnails and app state live; default ~/.cache/transfer-lab */
  dataDir?: string;
  /** where the recent-projects list lives; default ~/.config/transfer-lab */
  configDir?: string;
}

export interface LabService {
  handlers: Partial<Handlers>;
  jobs: JobRunner;
  close(): Promise<void>;
}

/**
 * The engine behind the app: every request of the contract except the native dialogs,
 * which belong to Electron's main process. The same object serves the desktop app (in a
 * utility process) and the web host, so both behave the same. This file makes the state the
 * requests share (ServiceContext); each group of requests has its own file beside it.
 */
export function createLabService(o: LabServiceOptions): LabService {
  const dataDir = o.dataDir ?? userCacheDir();
  const configDir =
    o.configDir ??
    path.join(
      process.env.XDG_CONFIG_HOME && path.isAbsolute(process.env.XDG_CONFIG_HOME) ? process.env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config'),
      'transfer-lab',
    );
  const speeds = new MeasuredSpeeds(path.join(dataDir, 'measured-speeds.json'));
  const jobs = new JobRunner(o.emit, path.join(dataDir, 'workspace', 'runs'));
  const backendReady = initBackend(o.backend ?? 'auto');
  const backendOpt = o.backend ? { backend: o.backend } : {};
  // the card's figure is the one the cache keeps for this model and cut: its largest extraction
  const recordSpeed = (run: RunRecord) => {
    const m = BottleneckCache.measurementIn(run.cache.dir) ?? extractionOf(run).measurement;
    if (m?.imagesPerSecond) speeds.record(run.model.source, run.model.fineTune?.split ?? run.model.cut, m);
  };
  const chosen = new ChosenFolders(configDir);
  const projectRuns = new ProjectRunLog(path.join(dataDir, 'workspace', 'project-runs.json'));
  // each run a job finishes is recorded with its project, to join it even if no window saw it end
  const onRunDone = (owner: ProjectOwner | undefined, form: TrainConfig | null) => (run: RunRecord, runDir: string) => {
    recordSpeed(run);
    if (owner) projectRuns.add(owner, run, runDir, form).catch(() => undefined);
  };
  const inspect = async (source: string) => resolveModel(source, { onDownload: (p) => o.emit('download.progress', { source, ...p }) });
  const context: ServiceContext = { version: o.version, emit: o.emit, dataDir, chosen, speeds, jobs, backendReady, backendOpt, inspect, onRunDone };

  const handlers: Partial<Handlers> = {
    'app.info': async () => {
      await backendReady.catch(() => undefined);
      return {
        version: o.version,
        host: o.host,
        platform: process.platform,
        arch: process.arch,
        cpus: os.cpus().length,
        totalMemoryMiB: Math.round(os.totalmem() / MiB),
        homeDir: os.homedir(),
        backend: currentBackend()?.provider ?? null,
      };
    },
    ...datasetHandlers(context),
    ...modelHandlers(context),
    ...trainHandlers(context),
    ...exportHandlers(context),
    ...classifyHandlers(context),
    ...projectHandlers(configDir, projectRuns, (folder) => chosen.choose('project', folder)),
  };

  return {
    handlers,
    jobs,
    close: async () => {
      const s = jobs.snapshot();
      if (s?.status === 'running') jobs.stop(s.jobId);
      await jobs.idle();
    },
  };
}
