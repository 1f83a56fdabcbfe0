import { sweepEpochs, sweepPoints, type SweepPoint } from './ours';
import { runPeer, type PeerModel, type PeerResult } from './peer';

export type Step = <T>(label: string, work: () => Promise<T>) => Promise<T | null>;

export interface PeerSweep {
  cachedSeconds: number | null;
  tutorialSeconds: number | null;
  /** K when the tutorial total is K measured runs scaled up to six, else null */
  tutorialExtrapolatedFrom: number | null;
  notes: string[];
}

const describe = (p: SweepPoint) => `lr ${p.learningRate}, batch ${p.batchSize}`;
const perRun = (rs: PeerResult[]) => rs.map((r) => `${r.wallSeconds.toFixed(1)}/${r.totalSeconds.toFixed(1)}`).join('; ');

/**
 * The sweep as a PyTorch user runs it: the script six times, each a fresh interpreter, timed
 * from launch to exit (torch's import is part of what the user waits for).
 */
export async function peerSweep(o: { script: string; data: string; model: PeerModel; threads: number; tutorialRuns: number; step: Step }): Promise<PeerSweep> {
  const notes: string[] = [];
  const run = async (mode: 'cached' | 'tutorial', points: SweepPoint[]): Promise<PeerResult[] | null> => {
    const out: PeerResult[] = [];
    for (const [i, p] of points.entries()) {
      const r = await o.step(`peer: sweep in ${mode} mode, run ${i + 1}/${points.length} (${describe(p)}, ${sweepEpochs} epochs)`, () =>
        runPeer(o.script, o.data, { model: o.model, mode, epochs: sweepEpochs, batchSize: p.batchSize, learningRate: p.learningRate, threads: o.threads }),
      );
      if (!r) return null;
      out.push(r);
    }
    return out;
  };

  const cached = await run('cached', sweepPoints);
  const cachedSeconds = cached ? cached.reduce((s, r) => s + r.wallSeconds, 0) : null;
  if (cached) notes.push(`peer cached runs, s (wall / inside the script): ${perRun(cached)}`);

  const k = Math.min(o.tutorialRuns, sweepPoints.length);
  let tutorialSeconds: number | null = null;
  let tutorialExtrapolatedFrom: number | null = null;
  if (k === 0) {
    notes.push('peer tutorial mode not run (--peer-tutorial-runs 0)');
  } else {
    const tutorial = await run('tutorial', sweepPoints.slice(0, k));
    if (tutorial) {
      const sum = tutorial.reduce((s, r) => s + r.wallSeconds, 0);
      notes.push(`peer tutorial runs, s (wall / inside the script): ${perRun(tutorial)}`);
      if (k < sweepPoints.length) {
        tutorialSeconds = (sum / k) * sweepPoints.length;
        tutorialExtrapolatedFrom = k;
        notes.push(`peer tutorial total is extrapolated: the mean of ${k} measured run${k > 1 ? 's' : ''} × ${sweepPoints.length}`);
      } else {
        tutorialSeconds = sum;
      }
    }
  }
  return { cachedSeconds, tutorialSeconds, tutorialExtrapolatedFrom, notes };
}
