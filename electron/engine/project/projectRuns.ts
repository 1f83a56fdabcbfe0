import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectOwnerSchema, type FinishedRun, type ProjectOwner } from '../../../shared/contract';
import { runRecordSchema, trainConfigSchema, type RunRecord, type TrainConfig } from '../../../shared/run';
import { runLayout } from '../run/runLayout';
import { writeFileAtomic } from '../util/atomicWrite';

/**
 * Runs that finished for a project, kept by the engine until the project holds them.
 *
 * Why: a job belongs to the engine, not to a window. A student who closes the browser during
 * a run comes back to a finished run that no window saw end, so no window added it to its
 * project. The engine therefore records each run a job finishes with the project that started
 * the job (its window's draft id, and its file if it had one), and when that project is next
 * opened, or its draft restored, the runs it does not hold yet are handed to it
 * (project.finishedRuns). A record goes once a save of that project holds the run, or when
 * the run's folder is gone. An untitled project saved for the first time leaves an alias
 * (draft id → file), so runs of its draft still to finish join the file.
 *
 * One small JSON file in the engine's data folder, rewritten atomically; one engine process
 * writes it, and every change goes through one queue.
 */
const entrySchema = z.object({
  owner: projectOwnerSchema,
  runId: z.string(),
  runDir: z.string(),
  finishedAt: z.string(),
  /** the Train step's settings when the job started, to put the form back beside the run */
  form: trainConfigSchema.nullable(),
});
const aliasSchema = z.object({ draftId: z.string(), file: z.string(), at: z.string() });
const logSchema = z.object({ formatVersion: z.literal(1), entries: z.array(entrySchema), aliases: z.array(aliasSchema) });

type Entry = z.infer<typeof entrySchema>;
type Log = z.infer<typeof logSchema>;

/** records older than this are dropped: their project was discarded, or never opened again */
const keepDays = 90;
const maxAliases = 200;

export class ProjectRunLog {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  /** a job of `owner` finished a run */
  add(owner: ProjectOwner, record: Pick<RunRecord, 'id'>, runDir: string, form: TrainConfig | null, now = new Date()): Promise<void> {
    return this.change((log) => {
      log.entries = [
        ...log.entries.filter((e) => e.runId !== record.id),
        { owner, runId: record.id, runDir: path.resolve(runDir), finishedAt: now.toISOString(), form },
      ];
    });
  }

  /**
   * `owner` was saved as `file` holding `runIds`: records it now holds go; its draft's runs
   * still to come follow it to the file.
   */
  saved(owner: ProjectOwner | undefined, file: string, runIds: readonly string[], now = new Date()): Promise<void> {
    const target = path.resolve(file);
    const held = new Set(runIds);
    return this.change((log) => {
      if (owner)
        log.aliases = [...log.aliases.filter((a) => a.draftId !== owner.draftId), { draftId: owner.draftId, file: target, at: now.toISOString() }].slice(
          -maxAliases,
        );
      const mine = matcher(log, { draftId: owner?.draftId ?? '', file: target });
      log.entries = log.entries.filter((e) => !(held.has(e.runId) && mine(e)));
    });
  }

  /** runs the user took out of their project: never handed to it again, whoever's they were */
  forget(runIds: readonly string[]): Promise<void> {
    const gone = new Set(runIds);
    return this.change((log) => {
      log.entries = log.entries.filter((e) => !gone.has(e.runId));
    });
  }

  /** the finished runs of `owner` that are not among `have`, oldest first */
  async finished(owner: ProjectOwner, have: readonly string[]): Promise<FinishedRun[]> {
    await this.queue.catch(() => undefined);
    const log = this.read();
    const mine = matcher(log, owner);
    const held = new Set(have);
    const runs: FinishedRun[] = [];
    for (const e of log.entries) {
      if (!mine(e) || held.has(e.runId)) continue;
      const record = readRecord(e.runDir);
      if (record && record.id === e.runId) runs.push({ runDir: e.runDir, record, finishedAt: e.finishedAt, form: e.form });
    }
    return runs.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  }

  private change(edit: (log: Log) => void): Promise<void> {
    const next = this.queue
      .catch(() => undefined)
      .then(async () => {
        const log = this.read();
        edit(log);
        const cutoff = Date.now() - keepDays * 86_400_000;
        log.entries = log.entries.filter((e) => Date.parse(e.finishedAt) > cutoff && fs.existsSync(path.join(e.runDir, runLayout.record)));
        await writeFileAtomic(this.file, JSON.stringify(log));
      });
    this.queue = next;
    return next;
  }

  private read(): Log {
    try {
      const parsed = logSchema.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      if (parsed.success) return parsed.data;
    } catch {
      // missing or damaged: start again; the runs themselves are untouched in their folders
    }
    return { formatVersion: 1, entries: [], aliases: [] };
  }
}

/** a record belongs to `owner` when its draft is the owner's, or the file its draft was last saved as (else its own) is */
function matcher(log: Log, owner: ProjectOwner): (e: Entry) => boolean {
  const alias = new Map(log.aliases.map((a) => [a.draftId, a.file]));
  const file = owner.file && path.resolve(owner.file);
  return (e) => {
    if (e.owner.draftId === owner.draftId) return true;
    const savedAs = alias.get(e.owner.draftId) ?? (e.owner.file && path.resolve(e.owner.file));
    return Boolean(file) && savedAs === file;
  };
}

function readRecord(runDir: string): RunRecord | null {
  try {
    const parsed = runRecordSchema.safeParse(JSON.parse(fs.readFileSync(path.join(runDir, runLayout.record), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
