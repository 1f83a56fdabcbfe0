import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { defaultSplit } from '../../../shared/dataset';
import { TransferLabError } from '../../../shared/errors';
import { parseProject, projectSchema, formatIssues, type Project } from '../../../shared/project';
import { writeFileAtomic } from '../util/atomicWrite';
import { syncDirectory } from './projectData';

export { projectDataDir, storeRunWeights, syncDirectory } from './projectData';
export { addRecent, maxRecent, readRecent, removeRecent } from './recentProjects';

/**
 * Reading and writing `.tlab` files. Paths inside a project are stored relative to the
 * project file's folder where that is sensible, so a project folder copied to another
 * machine (or a USB stick) together with its dataset still opens.
 */

export interface LoadedProject {
  project: Project;
  /** the project file, absolute */
  file: string;
  /** the dataset folder resolved against the project file; null when none is chosen */
  datasetAbsolute: string | null;
  /** the dataset folder is gone: the UI offers to locate it, the project still opens */
  datasetMissing: boolean;
  /** the format the file was written in, when it was older and upgraded in memory */
  migratedFrom?: number;
}

/** a relative path climbing out more than this many folders is stored absolute instead */
const maxParentSteps = 2;

export function toStoredPath(projectFile: string, absolute: string): string {
  const base = path.dirname(path.resolve(projectFile));
  const target = path.resolve(absolute);
  const rel = path.relative(base, target);
  // another drive on Windows: no relative path exists
  if (path.isAbsolute(rel)) return target;
  if (rel === '') return '.';
  const parts = rel.split(path.sep);
  const climbs = parts.findIndex((p) => p !== '..');
  if ((climbs === -1 ? parts.length : climbs) > maxParentSteps) return target;
  // '/' in the file, whatever the OS that wrote it
  return parts.join('/');
}

export function fromStoredPath(projectFile: string, stored: string): string {
  if (path.isAbsolute(stored)) return path.normalize(stored);
  return path.resolve(path.dirname(path.resolve(projectFile)), ...stored.split('/'));
}

// a relative model folder always starts with ./ or ../, so it never reads as a catalog id
const relativeFolder = /^\.\.?(\/|$)/;

export function toStoredModelSource(projectFile: string, source: string): string {
  if (!path.isAbsolute(source)) return source;
  const stored = toStoredPath(projectFile, source);
  return path.isAbsolute(stored) || relativeFolder.test(stored) ? stored : `./${stored}`;
}

export function fromStoredModelSource(projectFile: string, stored: string): string {
  return relativeFolder.test(stored) ? fromStoredPath(projectFile, stored) : stored;
}

/**
 * The project with every absolute path it holds (dataset, model folder, run weights) made
 * relative to `projectFile` where that is sensible. Paths already relative are taken to be
 * relative to `projectFile`: to save somewhere new, resolve them first.
 */
export function storeProjectPaths(projectFile: string, project: Project): Project {
  const stored = (p: string) => (path.isAbsolute(p) ? toStoredPath(projectFile, p) : p);
  return {
    ...project,
    dataset: project.dataset && { ...project.dataset, path: stored(project.dataset.path) },
    model: project.model && { ...project.model, source: toStoredModelSource(projectFile, project.model.source) },
    runs: project.runs.map((run) => ({ ...run, weightsDir: stored(run.weightsDir) })),
  };
}

/** the inverse of storeProjectPaths: every path absolute, as the rest of the engine wants */
export function resolveProjectPaths(projectFile: string, project: Project): Project {
  return {
    ...project,
    dataset: project.dataset && { ...project.dataset, path: fromStoredPath(projectFile, project.dataset.path) },
    model: project.model && { ...project.model, source: fromStoredModelSource(projectFile, project.model.source) },
    runs: project.runs.map((run) => ({ ...run, weightsDir: fromStoredPath(projectFile, run.weightsDir) })),
  };
}

/**
 * Writes the project atomically with a fresh `updatedAt` and its absolute paths stored
 * relative where sensible (storeProjectPaths), and returns what was written. A project that
 * would not load back is refused before anything touches the disk.
 */
export async function saveProject(file: string, project: Project, now = new Date()): Promise<Project> {
  const saved: Project = { ...storeProjectPaths(file, project), updatedAt: now.toISOString() };
  const text = `${JSON.stringify(saved, null, 2)}\n`;
  // check the text, not the object: it is the text that must load again (NaN becomes null)
  const check = projectSchema.safeParse(JSON.parse(text));
  if (!check.success) {
    throw new TransferLabError(
      'PROJECT_INVALID',
      `Not saving ${file}: the project is not valid (${formatIssues(check.error.issues)}).`,
      'This is a bug in Transfer Lab; the file on disk was left as it was.',
    );
  }
  await writeFileAtomic(file, text);
  await syncDirectory(path.dirname(path.resolve(file)));
  return saved;
}

/**
 * Opens a project file. Never writes it: a file that fails to load, or that was upgraded
 * from an older format, changes only when the user saves.
 */
export async function loadProject(file: string): Promise<LoadedProject> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await fsp.readFile(absolute, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT'
        ? 'it does not exist (moved or deleted?)'
        : code === 'EISDIR'
          ? 'it is a folder, not a file'
          : `it cannot be read (${code ?? String(e)})`;
    throw new TransferLabError('PROJECT_INVALID', `${absolute} cannot be opened: ${what}.`, 'Choose the .tlab file again.', { cause: e });
  }
  // an editor on Windows may have added a byte-order mark
  const body = text.replace(/^\uFEFF/, '');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new TransferLabError(
      'PROJECT_INVALID',
      `${absolute} cannot be opened: ${jsonProblem(body, e)}.`,
      'The file was left exactly as it was. It may have been cut short or edited by hand; open a backup copy if you have one.',
      { cause: e },
    );
  }
  const result = parseProject(json, absolute);
  if (!result.ok) throw new TransferLabError(result.error.code, result.error.message, result.error.hint);
  const { project } = result;
  const datasetAbsolute = project.dataset ? fromStoredPath(absolute, project.dataset.path) : null;
  const datasetMissing = datasetAbsolute !== null && !isDirectory(datasetAbsolute);
  return {
    project,
    file: absolute,
    datasetAbsolute,
    datasetMissing,
    ...(result.migratedFrom === undefined ? {} : { migratedFrom: result.migratedFrom }),
  };
}

/** points the project at a dataset folder that moved; split and last-scanned classes stay */
export function relocateDataset(project: Project, projectFile: string, newFolder: string): Project {
  const stored = toStoredPath(projectFile, newFolder);
  const dataset = project.dataset ?? { path: stored, split: { ...defaultSplit }, classes: [] };
  return { ...project, dataset: { ...dataset, path: stored } };
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * "not valid JSON at line 3, column 5 (position 42)", or "it ends too early". Never the
 * parser's own message: V8 quotes the text around the fault, and a file opened by mistake
 * (a key, a password file) must not have its first characters shown in an error.
 */
function jsonProblem(text: string, e: unknown): string {
  if (text.trim() === '') return 'the file is empty';
  const message = e instanceof Error ? e.message : String(e);
  if (/Unexpected end of JSON input/.test(message)) return 'not valid JSON: it ends too early (the file looks cut short)';
  if (!text.trimStart().startsWith('{')) return 'it is not a Transfer Lab project (a project file is JSON starting with "{")';
  const at = /at position (\d+)/.exec(message);
  if (!at) return 'not valid JSON';
  const position = Number(at[1]);
  const before = text.slice(0, position).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  const ended = position >= text.trimEnd().length ? ': it ends too early (the file looks cut short)' : '';
  return `not valid JSON at line ${line}, column ${column} (position ${position})${ended}`;
}
