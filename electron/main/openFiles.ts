import { isProjectFileName } from '../../shared/project';
import path from 'node:path';
import { app } from 'electron';

/** The .tlab project named among command-line arguments (the last one wins), as an absolute path. */
export function projectFileIn(args: readonly string[], cwd: string): string | null {
  for (const arg of [...args].reverse()) {
    if (!arg.startsWith('-') && isProjectFileName(arg)) return path.resolve(cwd, arg);
  }
  return null;
}

/**
 * One Transfer Lab at a time: a second launch (double-clicking a .tlab while the app runs)
 * hands its project to the first and exits. False when this is the second launch.
 */
export function claimSingleInstance(openProject: (file: string | null) => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', (_event, argv, cwd) => openProject(projectFileIn(argv.slice(1), cwd)));
  return true;
}

/** macOS hands over files given at launch and later through open-file; it must be heard before ready. */
export function listenForOpenFile(openProject: (file: string) => void): void {
  app.on('open-file', (event, file) => {
    event.preventDefault();
    openProject(file);
  });
}
