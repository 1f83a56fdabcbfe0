import type { EventPayload, RequestOutput } from '../../../shared/contract';

/** The shapes the UI works with: shared/'s own types, or derived from the contract, so they cannot drift from it. */
export type { JobSnapshot, JobStatus, RecentProject } from '../../../shared/contract';
export type { EngineEvent as JobEvent, EpochEvent, LogEvent, PhaseEvent, ProgressEvent } from '../../../shared/events';
export type { RunRecord } from '../../../shared/run';
export type AppInfo = RequestOutput<'app.info'>;
export type FolderListing = RequestOutput<'fs.list'>;
export type ModelInspection = RequestOutput<'models.inspect'>;
export type FreezePlan = RequestOutput<'freeze.plan'>;
export type JobFinished = EventPayload<'job.finished'>;
export type ExportResult = RequestOutput<'run.export'>;
export type ParityReport = NonNullable<ExportResult['parity']>;
export type ProjectFile = RequestOutput<'project.open'>['project'];
export type DownloadProgress = EventPayload<'download.progress'>;
export type ExportFormat = ParityReport['formats'][number]['format'];
