import type { ProgressEvent } from '../../../shared/events';

/**
 * Which progress events go out: a phase's first, its last (done = total), the first with a new
 * detail (an epoch's first batch: the bar's "epoch 3/10" keeps step with the epochs drawn), and
 * between them at most one every `intervalMs`. A head trains a thousand batches a second; each
 * event is an IPC message to the app, a JSON line from the CLI and a read of the process's
 * memory, and a bar redrawn a thousand times a second shows nothing more than one redrawn ten
 * times.
 */
export function progressGate(intervalMs = 100, now: () => number = () => performance.now()): (e: ProgressEvent) => boolean {
  let phase: ProgressEvent['phase'] | null = null;
  let detail: string | undefined;
  let last = Number.NEGATIVE_INFINITY;
  return (e) => {
    const t = now();
    if (e.phase !== phase || e.detail !== detail || e.done >= e.total || t - last >= intervalMs) {
      phase = e.phase;
      detail = e.detail;
      last = t;
      return true;
    }
    return false;
  };
}
