import type { EventPayload, RequestOutput } from '../../../shared/contract';

/** The shapes the UI works with, all derived from the contract so they cannot drift from it. */
export type AppInfo = RequestOutput<'app.info'>;
export type FolderListing = RequestOutput<'fs.list'>;
export type ModelInspection = RequestOutput<'models.inspect'>;
export type FreezePlan = RequestOutput<'freeze.plan'>;
export type JobSnapshot = NonNullable<RequestOutput<'train.current'>['job']>;
export type JobEvent = EventPayload<'job.event'>['event'];
export type EpochEvent = Extract<JobEvent, { type: 'epoch' }>;
export type PhaseEvent = Extract<JobEvent, { type: 'phase' }>;
export type ProgressEvent = Extract<JobEvent, { type: 'progress' }>;
export type LogEvent = Extract<JobEvent, { type: 'log' }>;
export type JobFinished = EventPayload<'job.finished'>;
export type JobStatus = JobSnapshot['status'];
export type RunRecord = RequestOutput<'run.read'>;
export type ExportResult = RequestOutput<'run.export'>;
export type ParityReport = NonNullable<ExportResult['parity']>;
export type RecentProject = RequestOutput<'project.recent'>['entries'][number];
export type ProjectFile = RequestOutput<'project.open'>['project'];
export type DownloadProgress = EventPayload<'download.progress'>;
export type ExportFormat = ParityReport['formats'][number]['format'];
