import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { recentProjectSchema, type RecentProject } from '../../../shared/contract';
import { writeFileAtomic } from '../util/atomicWrite';

/**
 * The "open recent" list, `<configDir>/recent.json`. It is a convenience: a damaged file
 * reads as an empty list (and is replaced at the next open) rather than stopping the app.
 */
export const recentFileName = 'recent.json';
export const maxRecent = 10;

const recentEntrySchema = recentProjectSchema.omit({ missing: true });
const recentFileSchema = z.object({ formatVersion: z.literal(1), projects: z.array(recentEntrySchema) });
type RecentEntry = z.infer<typeof recentEntrySchema>;

/** most recent first */
export async function readRecent(configDir: string): Promise<RecentProject[]> {
  return withMissing(await readEntries(configDir));
}

/** puts `file` first (once), keeping at most `maxRecent` entries */
export async function addRecent(configDir: string, file: string, name: string, now = new Date()): Promise<RecentProject[]> {
  const absolute = path.resolve(file);
  const others = (await readEntries(configDir)).filter((e) => e.file !== absolute);
  return writeEntries(configDir, [{ file: absolute, name, openedAt: now.toISOString() }, ...others].slice(0, maxRecent));
}

export async function removeRecent(configDir: string, file: string): Promise<RecentProject[]> {
  const absolute = path.resolve(file);
  return writeEntries(
    configDir,
    (await readEntries(configDir)).filter((e) => e.file !== absolute),
  );
}

async function readEntries(configDir: string): Promise<RecentEntry[]> {
  let json: unknown;
  try {
    json = JSON.parse(await fsp.readFile(path.join(configDir, recentFileName), 'utf8'));
  } catch {
    return [];
  }
  const parsed = recentFileSchema.safeParse(json);
  return parsed.success ? parsed.data.projects.slice(0, maxRecent) : [];
}

async function writeEntries(configDir: string, entries: RecentEntry[]): Promise<RecentProject[]> {
  await writeFileAtomic(path.join(configDir, recentFileName), `${JSON.stringify({ formatVersion: 1, projects: entries }, null, 2)}\n`);
  return withMissing(entries);
}

function withMissing(entries: RecentEntry[]): RecentProject[] {
  return entries.map((e) => ({ ...e, missing: !isFile(e.file) }));
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
