import { reportError } from '../../electron/cli/output';
import { readRun } from '../../electron/engine/run/runFolder';
import { projectHandlers } from '../../electron/engine/service/projectHandlers';

/**
 * A project save as the app makes it, for the fault suite (which runs it where the disk is
 * full): the engine's own project.open and project.save handlers, the save adding a trained
 * run whose weights must be copied beside the project. Exits like the CLI: one error line.
 * usage: saveProjectScript.ts <project.tlab> <run folder> <config folder>
 */
const [file, runDir, configDir] = process.argv.slice(2) as [string, string, string];
const handlers = projectHandlers(configDir);
try {
  const { project } = await handlers['project.open']!({ file });
  await handlers['project.save']!({
    file,
    project: { ...project, notes: `${project.notes}\nand a trained run`, runs: [...project.runs, { ...readRun(runDir), weightsDir: runDir }] },
  });
  process.stdout.write('saved\n');
} catch (e) {
  process.exitCode = reportError(e, false);
}
