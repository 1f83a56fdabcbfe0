import { z } from 'zod';
import type { TransferLabErrorData } from './errors';
import { splitSchema, defaultSplit } from './dataset';
import { modelFormatSchema } from './model';
import { preprocessingSchema } from './preprocessingSchema';
import { defaultTrainConfig, runRecordSchema, trainConfigSchema } from './run';
import { labProgressSchema } from './lab';
import { appVersion } from './version';

/**
 * The project file: one `.tlab` JSON file per project. Its format is versioned; an older file
 * is migrated forward in memory when it is opened (the file itself changes only when the user
 * saves), a newer one is refused rather than half-understood.
 */
export const projectFormatVersion = 1;
export const projectFileExtension = '.tlab';
/** does `file` name a project file (the extension in any case) */
export const isProjectFileName = (file: string): boolean => file.toLowerCase().endsWith(projectFileExtension);
/** `file` as a project file name: the extension added where it is missing */
export const withProjectExtension = (file: string): string => (isProjectFileName(file) ? file : `${file}${projectFileExtension}`);
export const defaultWizardStep = 'dataset';

export const projectRunSchema = runRecordSchema.extend({
  /** the run's stored head and run.json, relative to the project file's folder */
  weightsDir: z.string().min(1),
  label: z.string().optional(),
  notes: z.string().optional(),
});

export const projectDatasetSchema = z.object({
  /** relative to the project file's folder where possible, else absolute; '/'-separated */
  path: z.string().min(1),
  split: splitSchema,
  /** the classes as last scanned, so a changed dataset is noticed */
  classes: z.array(z.string()),
});

export const projectModelSchema = z.object({
  /** catalog id, address, or folder (relative to the project file's folder where possible) */
  source: z.string().min(1),
  name: z.string(),
  format: modelFormatSchema,
  preprocessing: preprocessingSchema,
});

export const projectSchema = z.object({
  formatVersion: z.literal(projectFormatVersion),
  app: z.object({ name: z.literal('transfer-lab'), version: z.string() }),
  name: z.string().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  dataset: projectDatasetSchema.nullable(),
  model: projectModelSchema.nullable(),
  freeze: z
    .object({
      /** null: the model's default cut */
      cut: z.string().nullable().default(null),
      /** layers above the cut to train too; 0 until fine-tuning exists */
      fineTuneLayers: z.number().int().min(0).default(0),
    })
    .prefault({}),
  /** the Train step's settings; a missing one takes its default, so adding one later needs no migration */
  training: trainConfigSchema.prefault({}),
  runs: z.array(projectRunSchema),
  notes: z.string().default(''),
  /** the guided lab: the student's answers and the runs each task made (null: not started) */
  lab: labProgressSchema.nullable().default(null),
  /** the wizard step to reopen at */
  ui: z.object({ step: z.string().default(defaultWizardStep) }).prefault({}),
});

export type Project = z.infer<typeof projectSchema>;
export type ProjectRun = z.infer<typeof projectRunSchema>;

export function newProject(name: string, options: { now?: Date; appVersion?: string } = {}): Project {
  const now = (options.now ?? new Date()).toISOString();
  return {
    formatVersion: projectFormatVersion,
    app: { name: 'transfer-lab', version: options.appVersion ?? appVersion },
    name,
    createdAt: now,
    updatedAt: now,
    dataset: null,
    model: null,
    freeze: { cut: null, fineTuneLayers: 0 },
    training: structuredClone(defaultTrainConfig),
    runs: [],
    notes: '',
    lab: null,
    ui: { step: defaultWizardStep },
  };
}

type Json = Record<string, unknown>;
export type MigrationResult = { ok: true; data: Json } | { ok: false; issue: string };

/**
 * v0, the draft format before the first release: the dataset path, split and the model's
 * cut sat at the top level or inside the model, the app version was a bare string, and runs
 * were referenced where the CLI had written them (runDir) instead of copied beside the project.
 */
const v0Schema = z.looseObject({
  formatVersion: z.literal(0),
  appVersion: z.string(),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string().optional(),
  datasetPath: z.string().nullable(),
  split: splitSchema.optional(),
  model: z.looseObject({ cut: z.string().nullable().optional() }).nullable(),
  runs: z.array(z.looseObject({ runDir: z.string() })),
});

function migrateV0(old: Json): MigrationResult {
  const parsed = v0Schema.safeParse(old);
  if (!parsed.success) return { ok: false, issue: formatIssues(parsed.error.issues) };
  const { appVersion: version, datasetPath, split, model, runs, ...rest } = parsed.data;
  const { cut, ...modelRest } = model ?? {};
  return {
    ok: true,
    data: {
      ...rest,
      formatVersion: 1,
      app: { name: 'transfer-lab', version },
      updatedAt: rest.updatedAt ?? rest.createdAt,
      // v0 did not record the classes: empty reads as "not scanned yet"
      dataset: datasetPath === null ? null : { path: datasetPath, split: split ?? defaultSplit, classes: [] },
      model: model === null ? null : modelRest,
      freeze: { cut: cut ?? null, fineTuneLayers: 0 },
      // the weights stay where v0 left them until the run is stored again
      runs: runs.map(({ runDir, ...run }) => ({ ...run, weightsDir: runDir })),
    },
  };
}

/** keyed by the version a migration starts from; each takes a file one version forward */
export const migrations: Readonly<Record<number, (data: Json) => MigrationResult>> = {
  0: migrateV0,
};

export type ParseProjectResult = { ok: true; project: Project; migratedFrom?: number } | { ok: false; error: TransferLabErrorData };

const unchangedHint = 'The file was left exactly as it was.';

/**
 * Validates a parsed project file and brings it to the current format. `source` names the
 * file in messages ("~/lab/cats.tlab").
 */
export function parseProject(json: unknown, source = 'The project file'): ParseProjectResult {
  const invalid = (what: string): ParseProjectResult => ({
    ok: false,
    error: {
      code: 'PROJECT_INVALID',
      message: `${source} cannot be opened: ${what}.`,
      hint: `${unchangedHint} Open a backup copy if you have one, or start a new project (trained runs in its .tlab.d folder are still there).`,
    },
  });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return invalid(`it holds ${describe(json)} instead of a project`);
  }
  const data = json as Json;
  const app = data['app'];
  if (typeof app === 'object' && app !== null && (app as Json)['name'] !== 'transfer-lab') {
    return invalid('it was written by another application, not Transfer Lab');
  }
  const version = data['formatVersion'];
  if (version === undefined) return invalid('it has no formatVersion, so it is not a Transfer Lab project');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    return invalid(`formatVersion: expected a whole number, got ${describe(version)}`);
  }
  if (version > projectFormatVersion) {
    return {
      ok: false,
      error: {
        code: 'PROJECT_TOO_NEW',
        message: `${source} was made by a newer Transfer Lab (format ${version}); update the app to open it.`,
        hint: `This version reads project formats up to ${projectFormatVersion}. ${unchangedHint}`,
      },
    };
  }
  let current = data;
  for (let from = version; from < projectFormatVersion; from++) {
    const migrate = migrations[from];
    if (!migrate) return invalid(`format ${from} is not one this version can upgrade`);
    const step = migrate(current);
    if (!step.ok) return invalid(`(format ${from}) ${step.issue}`);
    current = step.data;
  }
  const parsed = projectSchema.safeParse(current);
  if (!parsed.success) return invalid(formatIssues(parsed.error.issues));
  return version < projectFormatVersion ? { ok: true, project: parsed.data, migratedFrom: version } : { ok: true, project: parsed.data };
}

/** "runs[2].epochs: expected array, received string" and a count of the rest */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (!first) return 'unknown problem';
  const where = issuePath(first.path);
  // a schema's own message is a sentence: its full stop would end this one early
  let what = first.message.replace(/^Invalid (input|option): /, '').replace(/\.$/, '');
  if (first.code === 'invalid_type' && /received undefined$/.test(first.message)) what = `missing (expected ${first.expected})`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return `${where}: ${what}${more}`;
}

function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

/**
 * What kind of value the file holds, never the value itself: an error names the file and
 * what is wrong, and quotes none of it (a file opened by mistake may hold a secret).
 */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a text';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a negative number' : 'a fraction';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
