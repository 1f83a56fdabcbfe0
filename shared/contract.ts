import { appearances } from './appearance';
import { z } from 'zod';
import { paperSizes } from './paper';
import { transferLabErrorSchema } from './errorSchema';
import { projectSchema } from './project';
import { sweepAxesSchema } from './sweep';
import { photoPredictionSchema, runRecordSchema, trainConfigSchema } from './run';
import { datasetScanSchema, splitSchema } from './dataset';
import { engineEventSchema } from './events';
import { catalogEntrySchema, layerInfoSchema, modelFormatSchema } from './model';
import { preprocessingSchema } from './preprocessingSchema';
import { extractionMeasurementSchema } from './extraction';
import { featureMapMaxPoints, featureMapPreviewPoints, featureMapSchema } from './featureMap';
import { trainSettings } from './trainConfig';

/**
 * The API between the renderer and the engine, in one place: every request
 * (name → input and output schema) and every event (name → payload schema). The Electron
 * main process, the preload, the web host and the renderer all derive their types from it,
 * and every process parses what it receives with these schemas.
 *
 * Paths in requests are absolute paths on the machine the engine runs on: in the web host
 * that is the server, which is why the folder browser (`fs.list`) exists.
 */
const empty = z.object({});
const absolutePath = z.string().min(1).max(4096);

/**
 * The largest message the web host's WebSocket takes; a larger one closes the connection, so
 * the page refuses to send one, with a message. A project with a semester of runs (each with
 * its per-epoch metrics and its test predictions) passed the 16 MiB this once was.
 */
export const maxMessageBytes = 256 * 2 ** 20;

/**
 * How many bytes of photos one `run.classify` request carries, and how many photos: each photo
 * is held several times on its way (the file, base64, the envelope), so requests stay small
 * and many. A larger photo is sent as a smaller copy (the model sees a few hundred pixels of it).
 */
export const photoRequestBytes = 10 * 2 ** 20;
/** a larger photo's copy: its longest side (the model sees a few hundred pixels; this keeps a crop's detail) */
export const photoCopySide = 2048;
export const photosPerRequest = 64;
/**
 * A camera frame for `run.classifyFrame`: the page sends the frame as a JPEG whose longest side
 * is `frameSide` (the model sees a few hundred pixels); a frame is refused above `frameBytes`.
 */
export const frameSide = 480;
export const frameBytes = 4 * 2 ** 20;
/** the length of n bytes in base64 */
export const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;

/** a name the page gives a slow request, which its progress events carry back */
const progressIdSchema = z.string().min(1).max(500).optional();

export const appInfoSchema = z.object({
  version: z.string(),
  host: z.enum(['electron', 'web']),
  platform: z.string(),
  arch: z.string(),
  cpus: z.number(),
  totalMemoryMiB: z.number(),
  homeDir: z.string(),
  backend: z.string().nullable(),
});

export const modelInspectionSchema = z.object({
  source: z.string(),
  name: z.string(),
  format: modelFormatSchema,
  key: z.string(),
  preprocessing: preprocessingSchema,
  defaultCut: z.string(),
  layers: z.array(layerInfoSchema),
  totalParams: z.number(),
  fromCache: z.boolean(),
  downloaded: z.boolean(),
});

export const freezePlanSchema = z.object({
  cut: z.string(),
  cutShape: z.array(z.number()),
  pooling: z.enum(['avg', 'none']),
  featureDim: z.number(),
  frozenParams: z.number(),
  /** trainable parameters of the new head for the given class count and head config */
  trainableParams: z.number(),
  /** bytes of cached features per image (float32) */
  cacheBytesPerImage: z.number(),
  /** estimated peak memory of extraction with the planned batch, MiB */
  extractMemoryMiB: z.number(),
  /** estimated memory of training the head, MiB */
  trainMemoryMiB: z.number(),
  /** what fine-tuning the asked number of top layers means here, or null for the head alone */
  fineTune: z
    .object({
      split: z.string(),
      splitShape: z.array(z.number()),
      layers: z.array(z.string()),
      trainableParams: z.number(),
      /** forward and backward through the fine-tuned layers, per image and epoch */
      mflopsPerImage: z.number(),
      cacheBytesPerImage: z.number(),
      trainMemoryMiB: z.number(),
      /** where that memory would not fit here (the wasm heap's 4 GiB, the machine's free memory): what training would refuse, and the batch that fits */
      memoryRefusal: z.string().nullable().optional(),
    })
    .nullable(),
  /** why the asked fine-tuning cannot be had (a graph model, no split point), or null */
  fineTuneUnavailable: z.string().nullable(),
});

/**
 * Which project a job's runs belong to: the window's own id for the project it has open
 * (kept in its draft, so it survives a reload and a closed browser) and the project's file,
 * if it has one. A run that finishes while no window shows its project joins it when the
 * project is next opened or its draft restored (project.finishedRuns).
 */
export const projectOwnerSchema = z.object({ draftId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/), file: absolutePath.nullable() });
/**
 * The caller names the job it starts (train.start, train.resume, sweep.start), so it knows the
 * job before the first event can arrive; without one the engine names it. It names the run
 * folder too: letters, digits and dashes only.
 */
export const jobIdSchema = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'A job id is 8 to 64 letters, digits or dashes.');

/** how a job, or one of its runs, ended */
export const endStatusSchema = z.enum(['done', 'failed', 'cancelled']);
export const jobStatusSchema = z.enum(['running', ...endStatusSchema.options]);
export type JobStatus = z.infer<typeof jobStatusSchema>;
/** a run of a job: queued, then running, then how it ended */
export const runStatusSchema = z.enum(['queued', ...jobStatusSchema.options]);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const jobRunSnapshotSchema = z.object({
  index: z.number().int(),
  label: z.string(),
  status: runStatusSchema,
  runDir: z.string().nullable(),
  error: transferLabErrorSchema.nullable(),
  /** a stopped run kept its checkpoint: it can be resumed */
  resumable: z.boolean(),
  /** the epochs it is set to train, known before its first epoch ends (null: a resumed run, told by its events) */
  epochs: z.number().int().nullable().optional(),
});
export type JobRunSnapshot = z.infer<typeof jobRunSnapshotSchema>;

export const jobSnapshotSchema = z.object({
  jobId: z.string(),
  /** the project that started the job (a window shows the job only beside it); absent for a job started without one */
  owner: projectOwnerSchema.nullable().optional(),
  status: jobStatusSchema,
  startedAt: z.string(),
  /** every event so far, so a reloaded window can redraw the curves */
  events: z.array(engineEventSchema),
  runDir: z.string().nullable(),
  error: transferLabErrorSchema.nullable(),
  /** the job's runs: one for a training, the grid of a sweep */
  runs: z.array(jobRunSnapshotSchema),
  current: z.number().int(),
});
export type JobSnapshot = z.infer<typeof jobSnapshotSchema>;

export const exportFormatSchema = z.enum(['tfjs', 'onnx']);
export type ExportFormat = z.infer<typeof exportFormatSchema>;
/** an image the exported model and the engine classify differently; `format` says which export, in a report over several */
const disagreementSchema = z.object({ path: z.string(), engine: z.string(), exported: z.string(), format: exportFormatSchema.optional() });
export const formatParitySchema = z.object({
  format: exportFormatSchema,
  disagreements: z.array(disagreementSchema),
  /** largest difference of any class probability from the engine's */
  maxProbabilityDiff: z.number(),
  exportedAccuracy: z.number(),
});
export type FormatParity = z.infer<typeof formatParitySchema>;
export const parityReportSchema = z.object({
  images: z.number(),
  /** every format's disagreements, each naming its format */
  disagreements: z.array(disagreementSchema),
  /** the largest over the formats */
  maxProbabilityDiff: z.number(),
  exportedAccuracy: z.number(),
  engineAccuracy: z.number(),
  formats: z.array(formatParitySchema),
});
export type ParityReport = z.infer<typeof parityReportSchema>;

/** a run that finished for a project while no window had it open, kept by the engine until the project holds it */
export const finishedRunSchema = z.object({
  runDir: z.string(),
  record: runRecordSchema,
  finishedAt: z.string(),
  /** the Train step's settings when the run's job started, where known */
  form: trainConfigSchema.nullable(),
});
export type FinishedRun = z.infer<typeof finishedRunSchema>;

/** an entry of the "open recent" list */
export const recentProjectSchema = z.object({
  file: z.string().min(1),
  name: z.string(),
  openedAt: z.string(),
  /**
   * the file is no longer there (moved, deleted, an unplugged drive): the entry stays, shown
   * as missing, so the student sees where the project was and can remove it
   */
  missing: z.boolean(),
});
export type RecentProject = z.infer<typeof recentProjectSchema>;

export const requests = {
  'app.info': { input: empty, output: appInfoSchema },
  /**
   * the web host's folder browser; lists folders and image files (names only). No path: home.
   * `places`: home and the folders the user chose (scanned datasets, project and export folders)
   */
  'fs.list': {
    input: z.object({ path: absolutePath.optional() }),
    output: z.object({
      path: z.string(),
      parent: z.string().nullable(),
      entries: z.array(z.object({ name: z.string(), kind: z.enum(['dir', 'file']), image: z.boolean() })),
      places: z.array(z.object({ kind: z.enum(['home', 'dataset', 'project', 'export']), path: z.string() })),
    }),
  },
  /** native dialogs: only in the desktop app (the web host answers UNSUPPORTED) */
  'dialog.pickFolder': {
    input: z.object({ title: z.string().optional(), defaultPath: z.string().optional() }),
    output: z.object({ path: z.string().nullable() }),
  },
  'dialog.pickProjectFile': {
    input: z.object({ mode: z.enum(['open', 'save']), defaultPath: z.string().optional() }),
    output: z.object({ path: z.string().nullable() }),
  },
  'dataset.scan': { input: z.object({ path: absolutePath, split: splitSchema.optional() }), output: datasetScanSchema },
  /** a small JPEG of one dataset image, made and cached by the engine: never a raw file path */
  'dataset.thumbnail': {
    input: z.object({ root: absolutePath, relPath: z.string().min(1).max(4096), size: z.number().int().min(16).max(512) }),
    output: z.object({ dataUrl: z.string() }),
  },
  /** one dataset image and its first augmented copies, as the extraction makes them */
  'dataset.augmentPreview': {
    input: z.object({
      root: absolutePath,
      relPath: z.string().min(1).max(4096),
      contentHash: z.string().regex(/^[0-9a-f]{8,64}$/),
      variants: z.number().int().min(1).max(8),
      size: z.number().int().min(32).max(256),
    }),
    output: z.object({ dataUrls: z.array(z.string()) }),
  },
  // cached: the ids of the entries already in the model cache (usable offline, no download)
  'models.catalog': {
    input: empty,
    output: z.object({
      entries: z.array(catalogEntrySchema),
      measured: z.record(z.string(), z.record(z.string(), extractionMeasurementSchema)),
      cached: z.array(z.string()),
    }),
  },
  /** resolve (download if needed) and describe a model: its layers and default cut */
  'models.inspect': { input: z.object({ source: z.string().min(1).max(4096) }), output: modelInspectionSchema },
  'freeze.plan': {
    input: z.object({
      source: z.string().min(1),
      cut: z.string().nullable(),
      classCount: z.number().int().min(2),
      head: trainConfigSchema.shape.head,
      batchSize: trainSettings.batchSize,
      fineTuneLayers: trainSettings.fineTuneLayers.default(0),
      /** the dataset's images, where scanned: a batch is never larger than them */
      images: z.number().int().min(0).optional(),
    }),
    output: freezePlanSchema,
  },
  'train.start': {
    input: z.object({
      dataset: absolutePath,
      split: splitSchema,
      source: z.string().min(1),
      cut: z.string().nullable(),
      config: trainConfigSchema,
      owner: projectOwnerSchema.optional(),
      jobId: jobIdSchema.optional(),
    }),
    output: z.object({ jobId: z.string() }),
  },
  'train.stop': { input: z.object({ jobId: z.string() }), output: z.object({ stopped: z.boolean() }) },
  /** a stopped (or killed) run goes on from its last checkpoint */
  'train.resume': {
    input: z.object({ runDir: absolutePath, owner: projectOwnerSchema.optional(), jobId: jobIdSchema.optional() }),
    output: z.object({ jobId: z.string() }),
  },
  /** the grid of runs a student queues: models × images per class × fine-tuning × batch sizes × learning rates */
  'sweep.start': {
    // skip: indices of the plan not to run (the app reuses finished runs with the same settings); the job's runs are the rest, numbered from 0
    input: z.object({
      dataset: absolutePath,
      split: splitSchema,
      source: z.string().min(1),
      cut: z.string().nullable(),
      config: trainConfigSchema,
      axes: sweepAxesSchema,
      skip: z.array(z.number().int().min(0)).max(64).optional(),
      owner: projectOwnerSchema.optional(),
      jobId: jobIdSchema.optional(),
    }),
    // planIndex: the run's place in the whole plan
    output: z.object({
      jobId: z.string(),
      runs: z.array(
        z.object({ index: z.number().int(), label: z.string(), epochs: z.number().int().nullable().optional(), planIndex: z.number().int().optional() }),
      ),
    }),
  },
  /** one run of a sweep, without the others */
  'sweep.cancelRun': { input: z.object({ jobId: z.string(), index: z.number().int().min(0) }), output: z.object({ cancelled: z.boolean() }) },
  /** the running or last job: a reloaded window picks up where it was */
  'train.current': { input: empty, output: z.object({ job: jobSnapshotSchema.nullable() }) },
  'run.read': { input: z.object({ runDir: absolutePath }), output: runRecordSchema },
  /**
   * photos from the user's side (a browser's may be on another machine than the engine), as
   * bytes, answered by a run's frozen part and head: each photo's classes, most likely first,
   * or why it has none; at most `photoRequestBytes` of photos a request
   */
  'run.classify': {
    input: z.object({
      runDir: absolutePath,
      photos: z
        .array(z.object({ name: z.string().min(1).max(255), base64: z.string().min(1).max(base64Length(photoRequestBytes)) }))
        .min(1)
        .max(photosPerRequest)
        .refine((photos) => photos.reduce((n, p) => n + p.base64.length, 0) <= base64Length(photoRequestBytes), {
          message: `more than ${photoRequestBytes / 2 ** 20} MiB of photos in one request`,
        }),
    }),
    output: z.object({ answers: z.array(photoPredictionSchema) }),
  },
  /**
   * one picture — a camera's frame — answered by a run held open for the next (the engine keeps
   * the last run asked, and lets it go after a minute unasked): its likeliest classes, what each
   * part took, and who ran the frozen part. Nothing of the frame is kept.
   */
  'run.classifyFrame': {
    input: z.object({
      runDir: absolutePath,
      base64: z.string().min(1).max(base64Length(frameBytes)),
      top: z.number().int().min(1).max(10).default(3),
    }),
    output: z.object({
      answers: z.array(z.object({ className: z.string(), probability: z.number() })),
      ms: z.object({ decode: z.number(), frozen: z.number(), head: z.number(), total: z.number() }),
      frozenBy: z.string(),
      /** where the frame lands on the run's feature map (run.featureMap), once one was drawn */
      point: z.object({ x: z.number(), y: z.number() }).optional(),
    }),
  },
  /**
   * the run's bottleneck as a picture: up to `maxPoints` of its dataset's images placed by the
   * first two principal components of their features (from the run's cache; what is missing
   * is extracted)
   */
  'run.featureMap': {
    input: z.object({ runDir: absolutePath, maxPoints: z.number().int().min(2).max(5000).default(featureMapMaxPoints), progressId: progressIdSchema }),
    output: featureMapSchema,
  },
  /**
   * before any run: what a head would be given at a cut (null: the model's default) for up to
   * `maxPoints` of a dataset's images, extracted now into the cache a run at that cut reads
   */
  'dataset.featureMap': {
    input: z.object({
      root: absolutePath,
      split: splitSchema,
      source: z.string().min(1),
      cut: z.string().nullable(),
      maxPoints: z.number().int().min(2).max(2000).default(featureMapPreviewPoints),
      progressId: progressIdSchema,
    }),
    output: featureMapSchema,
  },
  'run.export': {
    input: z.object({ runDir: absolutePath, dest: absolutePath, parity: z.boolean(), formats: z.array(exportFormatSchema).min(1).default(['tfjs', 'onnx']) }),
    output: z.object({
      dir: z.string(),
      layout: z.string().nullable(),
      onnx: z.object({ file: z.string(), opset: z.number() }).nullable(),
      onnxSkipped: z.string().nullable(),
      parity: parityReportSchema.nullable(),
    }),
  },
  /** the lab report from the project: a self-contained HTML file, and a PDF printed from it where a Chromium can */
  'report.export': {
    /** htmlFile gets .html if it has no .html/.htm; the PDF goes beside it; `paper` defaults to the engine's locale */
    input: z.object({ project: projectSchema, htmlFile: absolutePath, pdf: z.boolean(), paper: z.enum(paperSizes).optional() }),
    output: z.object({ htmlFile: z.string(), pdfFile: z.string().nullable(), pdfUnavailable: z.string().nullable() }),
  },
  /** desktop app only: main prints the written HTML to PDF with a hidden window of its own */
  'report.printPdf': { input: z.object({ htmlFile: absolutePath, pdfFile: absolutePath }), output: z.object({ pdfFile: z.string() }) },
  /**
   * The desktop app only (main answers it): a report the engine wrote opened in the system's
   * viewer ('open'), or a file or folder shown in the file manager ('reveal').
   */
  'shell.open': { input: z.object({ path: absolutePath, how: z.enum(['open', 'reveal']) }), output: empty },
  'project.recent': { input: empty, output: z.object({ entries: z.array(recentProjectSchema) }) },
  'project.open': {
    input: z.object({ file: absolutePath }),
    output: z.object({ file: z.string(), project: projectSchema, datasetMissing: z.boolean(), migratedFrom: z.number().optional() }),
  },
  /**
   * the project as the renderer holds it (absolute paths); the engine stores paths relative where it can.
   * `owner`: who the project was before this save, so runs still to finish follow it to its file
   */
  'project.save': {
    input: z.object({ file: absolutePath, project: projectSchema, owner: projectOwnerSchema.optional() }),
    output: z.object({ file: z.string(), project: projectSchema }),
  },
  /**
   * runs of this project that finished while no window had it open, and are not among `have` (run ids);
   * `form`: the Train step's settings when the run's job started, where known
   */
  /** runs the user removed from the project: the engine no longer hands them to it as finished while it was closed */
  'project.forgetRuns': { input: z.object({ runIds: z.array(z.string().min(1).max(256)).min(1).max(10_000) }), output: empty },
  'project.finishedRuns': {
    input: z.object({ owner: projectOwnerSchema, have: z.array(z.string()).max(100_000) }),
    output: z.object({ runs: z.array(finishedRunSchema) }),
  },
} as const;

export const events = {
  'job.event': z.object({ jobId: z.string(), event: engineEventSchema, runIndex: z.number().int().optional() }),
  /** one run of a job ended (every run of a sweep reports) */
  'job.run': z.object({
    jobId: z.string(),
    index: z.number().int(),
    label: z.string(),
    status: endStatusSchema,
    runDir: z.string().nullable(),
    run: runRecordSchema.nullable(),
    error: transferLabErrorSchema.nullable(),
    resumable: z.boolean(),
  }),
  'job.finished': z.object({
    jobId: z.string(),
    status: endStatusSchema,
    runDir: z.string().nullable(),
    run: runRecordSchema.nullable(),
    error: transferLabErrorSchema.nullable(),
  }),
  'download.progress': z.object({
    source: z.string(),
    file: z.string(),
    bytesDone: z.number(),
    bytesTotal: z.number().nullable(),
    filesDone: z.number(),
    filesTotal: z.number(),
  }),
  'scan.progress': z.object({ path: z.string(), done: z.number(), total: z.number() }),
  /** the images a feature map extracts before it can be drawn, for the request that named this id */
  'featureMap.progress': z.object({ progressId: z.string(), done: z.number(), total: z.number(), etaSeconds: z.number().nullable() }),
  /** desktop app only: a menu item, a file opened from the OS, or a second launch asks the renderer to act */
  'app.command': z.object({
    command: z.enum(['new', 'open', 'save', 'saveAs', 'reveal', 'export', 'about', 'appearance']),
    file: z.string().optional(),
    /** for `appearance`: what the View menu chose */
    appearance: z.enum(appearances).optional(),
  }),
} as const;

export type ProjectOwner = z.infer<typeof projectOwnerSchema>;
export type Requests = typeof requests;
export type RequestName = keyof Requests;
export type EventName = keyof typeof events;
/** what a caller passes (defaults not yet applied) */
export type RequestInput<N extends RequestName> = z.input<Requests[N]['input']>;
/** what a handler receives, parsed */
export type ParsedInput<N extends RequestName> = z.output<Requests[N]['input']>;
export type RequestOutput<N extends RequestName> = z.output<Requests[N]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/** The one object the renderer talks to, whatever carries the messages. */
export interface TransferLabApi {
  call<N extends RequestName>(name: N, input: RequestInput<N>): Promise<RequestOutput<N>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export const requestNames = Object.keys(requests) as RequestName[];
export const eventNames = Object.keys(events) as EventName[];

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}
