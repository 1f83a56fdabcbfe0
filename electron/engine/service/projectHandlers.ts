import { withProjectExtension } from '../../../shared/project';
import path from 'node:path';
import type { Handlers } from '../../../shared/rpc';
import { addRecent, loadProject, readRecent, resolveProjectPaths } from '../project/projectFile';
import type { ProjectRunLog } from '../project/projectRuns';
import { saveProjectWithRuns } from '../project/saveWithRuns';

/**
 * project.* requests. The renderer holds a project with absolute paths (what it can show
 * and pass to other requests); on disk they are stored relative to the project file where
 * possible, and every run's weights are copied into `<name>.tlab.d/` at the first save.
 * Runs that finished while no window had the project open are handed over by
 * project.finishedRuns (see projectRuns.ts).
 */
export function projectHandlers(
  configDir: string,
  projectRuns?: ProjectRunLog,
  chooseFolder: (folder: string) => Promise<void> = async () => undefined,
): Partial<Handlers> {
  return {
    'project.finishedRuns': async ({ owner, have }) => ({ runs: projectRuns ? await projectRuns.finished(owner, have) : [] }),
    'project.forgetRuns': async ({ runIds }) => {
      await projectRuns?.forget(runIds);
      return {};
    },
    'project.recent': async () => ({ entries: await readRecent(configDir) }),
    'project.open': async ({ file }) => {
      const loaded = await loadProject(file);
      await addRecent(configDir, loaded.file, loaded.project.name).catch(() => undefined);
      await chooseFolder(path.dirname(loaded.file));
      return {
        file: loaded.file,
        project: resolveProjectPaths(loaded.file, loaded.project),
        datasetMissing: loaded.datasetMissing,
        ...(loaded.migratedFrom !== undefined ? { migratedFrom: loaded.migratedFrom } : {}),
      };
    },
    'project.save': async ({ file, project, owner }) => {
      const target = path.resolve(withProjectExtension(file));
      const saved = await saveProjectWithRuns(target, project);
      await addRecent(configDir, target, saved.name).catch(() => undefined);
      await chooseFolder(path.dirname(target));
      await projectRuns
        ?.saved(
          owner,
          target,
          saved.runs.map((r) => r.id),
        )
        .catch(() => undefined);
      return { file: target, project: resolveProjectPaths(target, saved) };
    },
  };
}
