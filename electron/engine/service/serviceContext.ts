import type { EventName, EventPayload, ProjectOwner } from '../../../shared/contract';
import type { RunRecord, TrainConfig } from '../../../shared/run';
import type { ResolvedModel } from '../models/resolveModel';
import type { BackendChoice, BackendPreference } from '../tf/backend';
import type { ChosenFolders } from './chosenFolders';
import type { JobRunner } from './jobRunner';
import type { MeasuredSpeeds } from './measuredSpeeds';

/** how the service tells the app what happens (progress, a job's epochs, its end) */
export type EmitEvent = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** what the request handlers of the service share: made once by createLabService (labService.ts) */
export interface ServiceContext {
  version: string;
  emit: EmitEvent;
  /** where runs, thumbnails and app state live */
  dataDir: string;
  chosen: ChosenFolders;
  speeds: MeasuredSpeeds;
  jobs: JobRunner;
  /** the TF.js backend, started once: requests that compute wait for it */
  backendReady: Promise<BackendChoice>;
  /** the backend the runs ask for, when the service was given one */
  backendOpt: { backend?: BackendPreference };
  /** a model by folder, address or catalog id; a download reports its progress */
  inspect(source: string): Promise<ResolvedModel>;
  /** what a job does with each run it finishes: its speed recorded, and the run joined to its project */
  onRunDone(owner: ProjectOwner | undefined, form: TrainConfig | null): (run: RunRecord, runDir: string) => void;
}

export const MiB = 1024 * 1024;
