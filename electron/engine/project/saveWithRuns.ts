import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Project } from '../../../shared/project';
import { projectDataDir, storeRunWeights } from './projectData';
import { saveProject } from './projectFile';
import { assertWritableFolder } from '../util/writableFolder';
import { assertReplaceable } from '../util/ownedFile';

/**
 * Saves a project the renderer holds (absolute paths) to `target`: runs trained since the last
 * save are copied from the engine's workspace into `<name>.tlab.d/runs/`, then the file is
 * written. A save that fails removes what it made — the run folders it copied, the folders it
 * created and left empty — and nothing else: runs stored by an earlier save, and the file as
 * it was, stay.
 */
export async function saveProjectWithRuns(target: string, project: Project): Promise<Project> {
  // before any folder is made: a system folder, a file on the path or a read-only disk is refused here
  await assertWritableFolder(path.dirname(target));
  // a project is saved over a project, never over a file of another kind that has its name
  await assertReplaceable(target, 'project');
  const dataDir = projectDataDir(target);
  const runsDir = path.join(dataDir, 'runs');
  const createdFolders = missingFolders(runsDir);
  const copied: string[] = [];
  try {
    const runs = [];
    for (const run of project.runs) {
      const dir = path.resolve(path.dirname(target), run.weightsDir);
      // runs trained since the last save live in the engine's workspace: bring them home
      if (dir.startsWith(dataDir + path.sep)) {
        runs.push(run);
        continue;
      }
      const storedBefore = fs.existsSync(path.join(runsDir, run.id));
      const weightsDir = await storeRunWeights(target, dir, run.id);
      if (!storedBefore) copied.push(path.join(runsDir, run.id));
      runs.push({ ...run, weightsDir: path.join(path.dirname(target), weightsDir) });
    }
    return await saveProject(target, { ...project, runs });
  } catch (e) {
    for (const dir of copied) await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    // deepest first, and only while empty: a folder that holds anything else is not ours to remove
    for (const dir of createdFolders) await fsp.rmdir(dir).catch(() => undefined);
    throw e;
  }
}

/** the folders of `dir`'s path that do not exist yet, deepest first */
function missingFolders(dir: string): string[] {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  return missing;
}
