import { startPeakSampler, type PeakSampler } from '../memory';
import type { ClassifierNet } from '../train/net';
import type { OpenFineTune } from './fineTuneRun';

/**
 * What a run's phases make that outlives the phase: the memory sampler, the fine-tuning
 * backbone and its top, the trained net, a backend switched for training. Each phase hands
 * what it makes here as soon as it exists; `dispose()`, called from the run's one `finally`,
 * frees it all, however the run ended (finished, stopped, failed), so no path frees by hand.
 */
export class RunResources {
  /** this run's own peak, not the process's high-water mark from an earlier, bigger run */
  readonly memory: PeakSampler = startPeakSampler();
  private fine: OpenFineTune | null = null;
  private net: ClassifierNet | null = null;
  /** put back what the run changed, last change first */
  private readonly undo: (() => Promise<void>)[] = [];
  private disposed = false;

  ownFineTune<T extends OpenFineTune | null>(fine: T): T {
    this.fine = fine;
    return fine;
  }

  ownNet<T extends ClassifierNet>(net: T): T {
    this.net = net;
    return net;
  }

  /** `restore` runs at the end of the run, after the tensors are freed */
  onDispose(restore: () => Promise<void>): void {
    this.undo.push(restore);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      // a fine-tuned net frees its top with its head; a top that never got a head is freed alone.
      // The top shares the backbone's layers: those weights go only when both have let them go.
      if (this.net) this.net.dispose();
      else this.fine?.top.dispose();
      this.fine?.backbone.dispose();
    } finally {
      try {
        for (const restore of this.undo.reverse()) await restore();
      } finally {
        this.memory.stop();
      }
    }
  }
}
