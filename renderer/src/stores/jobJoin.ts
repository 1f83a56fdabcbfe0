import type { EventPayload, ProjectOwner } from '../../../shared/contract';
import type { JobFinished } from '../api/types';

/** one event of a job, as the engine sends it */
export type JobEventMessage = EventPayload<'job.event'>;

/** what was heard of jobs while the engine's snapshot of its job was on its way */
export interface Heard {
  events: JobEventMessage[];
  finish: JobFinished | null;
}

/**
 * Joining the engine's job (a reloaded window, another project opened): the snapshot
 * (train.current) holds what came before it, the events heard while it was on its way what
 * came after. A job this window starts needs none of this: the window names it before asking
 * (newJobId), so each of its events is known.
 */
export function createJobJoin() {
  let joining: Heard | null = null;
  return {
    /** an event of a job not shown: kept while a snapshot is on its way, else dropped */
    heardEvent(p: JobEventMessage): void {
      joining?.events.push(p);
    },
    heardFinish(p: JobFinished): void {
      if (joining) joining.finish = p;
    },
    /** asks for the snapshot, and answers it with what was heard meanwhile; a later ask takes over the listening */
    async snapshot<T>(ask: () => Promise<T>): Promise<{ value: T; heard: Heard }> {
      const heard: Heard = { events: [], finish: null };
      joining = heard;
      try {
        return { value: await ask(), heard };
      } finally {
        if (joining === heard) joining = null;
      }
    },
  };
}

/** what was heard of job `jobId`: its events in the order they came, and its end if it came */
export function heardOf(heard: Heard, jobId: string): Heard {
  return { events: heard.events.filter((e) => e.jobId === jobId), finish: heard.finish?.jobId === jobId ? heard.finish : null };
}

/** whether a job's runs join the project shown: a job with no owner is everyone's */
export function joinsProject(jobOwner: ProjectOwner | null | undefined, owns: (o: ProjectOwner) => boolean): boolean {
  return !jobOwner || owns(jobOwner);
}
