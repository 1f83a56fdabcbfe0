import { TransferLabError } from '../../../shared/errors';
import { readCheckpoint } from './checkpoint';

/**
 * What a stop (Ctrl+C, the app's Stop) says in each phase of a run. Before the run folder is
 * written nothing is kept but the cache; from then on the folder is kept as far as the run got,
 * and `--resume` goes on from there.
 */

/** a stop before the run has a folder: nothing of it to keep */
export function stopIfAsked(signal: AbortSignal | undefined, while_: string): void {
  if (signal?.aborted) throw new TransferLabError('CANCELLED', `Stopped while ${while_}; nothing was trained yet.`, 'Start the run again when you are ready.');
}

const resumeHint = (runDir: string) => `Resume it with \`transfer-lab train --resume ${runDir}\`, or Resume in the app.`;

/** extraction stopped: the run folder holds its request, the cache what was extracted */
export async function resumableAfterStop<T>(runDir: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof TransferLabError) || e.code !== 'CANCELLED') throw e;
    throw new TransferLabError(
      'CANCELLED',
      `${e.message.replace(/\.$/, '')}; features extracted so far are kept in the cache.`,
      `${resumeHint(runDir)} It extracts only the rest.`,
    );
  }
}

/** training stopped (or the evaluation after it): the run is kept as far as its checkpoint goes */
export function stoppedTraining(runDir: string, what = 'Training was stopped'): TransferLabError {
  const kept = readCheckpoint(runDir);
  if (!kept)
    return new TransferLabError(
      'CANCELLED',
      `${what} before it finished a batch.`,
      'The extracted features stay in the cache, so the next run starts training at once.',
    );
  const where = kept.partial
    ? `after epoch ${kept.epoch} and ${kept.partial.batches} batch${kept.partial.batches > 1 ? 'es' : ''} of epoch ${kept.partial.epoch}`
    : `after epoch ${kept.epoch}`;
  return new TransferLabError('CANCELLED', `${what}; the run is kept ${where} in ${runDir}.`, resumeHint(runDir));
}

/** the keys whose value is set: an option left out never overrides one a run recorded */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
