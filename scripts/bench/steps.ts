import { BUSY_CORES, othersCores, sampleCpu, waitForQuiet, type StepLoad } from './machine';
import { oursExtraction, type ExtractionOptions, type OursExtraction } from './ours';
import type { Step } from './peerSweep';

export interface Steps {
  step: Step;
  bestExtraction(label: string, data: string, model: string, measure?: (o: ExtractionOptions) => Promise<OursExtraction>): Promise<OursExtraction | null>;
  /** the steps that waited, were measured again, or shared the machine anyway */
  loads: StepLoad[];
  /** what the closing line says besides the figures: failures, disturbed steps, every repeat's figure */
  notes: string[];
}

/**
 * A step's figure for its log line, so that a bench cut short (a GPU machine lent for minutes)
 * still leaves every figure it measured: an extraction's images/s, a run's last epoch.
 */
export function figureOf(result: unknown): string {
  const r = result as { imagesPerSecond?: unknown; epochs?: unknown } | null;
  if (typeof r?.imagesPerSecond === 'number') return `: ${r.imagesPerSecond.toFixed(1)} images/s`;
  const last = Array.isArray(r?.epochs) ? (r.epochs.at(-1) as { seconds?: unknown } | undefined) : undefined;
  if (typeof last?.seconds === 'number') return `: last epoch ${last.seconds.toFixed(3)} s`;
  return '';
}

/** the bench's measured steps, numbered in the order they run, with what they met on the way */
export function benchSteps(o: { maxWait: number; attempts: number; repeats: number; workDir: string; log: (s: string) => void }): Steps {
  const { log } = o;
  const loads: StepLoad[] = [];
  const notes: string[] = [];
  let stepNo = 0;

  /**
   * Runs one measurement when the machine is quiet, and again (up to --attempts) when other
   * processes took more than BUSY_CORES while it ran: a shared figure is not a fair one.
   */
  async function step<T>(label: string, work: () => Promise<T>): Promise<T | null> {
    stepNo++;
    let waitedSeconds = 0;
    for (let attempt = 1; ; attempt++) {
      waitedSeconds += await waitForQuiet(label, o.maxWait, log);
      log(`${stepNo}. ${label}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      const before = sampleCpu();
      const t0 = performance.now();
      let result: T;
      try {
        result = await work();
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        log(`   FAILED: ${msg}`);
        notes.push(`${label} failed: ${msg.split('\n')[0]}`);
        return null;
      }
      const others = othersCores(before, sampleCpu());
      log(
        `   done in ${((performance.now() - t0) / 1000).toFixed(1)} s${figureOf(result)}${others === null ? '' : `; other processes used ${others.toFixed(2)} cores meanwhile`}`,
      );
      const disturbed = others !== null && others > BUSY_CORES;
      if (disturbed && attempt < o.attempts) {
        log('   that is more than a fair measurement allows: measuring again');
        continue;
      }
      const load = { step: label, waitedSeconds, othersCoresDuring: others === null ? null : Math.round(others * 100) / 100, attempts: attempt };
      if (disturbed || attempt > 1 || waitedSeconds > 0) loads.push(load);
      if (disturbed)
        notes.push(`"${label}" shared the machine with other processes (${others.toFixed(2)} cores) in all ${attempt} attempts: its figure may be off`);
      return result;
    }
  }

  /**
   * Our extraction, measured --repeats times on a fresh cache each: the best counts, as the
   * peer's best batch size does (a 2-core VM's figures wander by ±15 % from run to run).
   */
  async function bestExtraction(
    label: string,
    data: string,
    model: string,
    measure: (o: ExtractionOptions) => Promise<OursExtraction> = oursExtraction,
  ): Promise<OursExtraction | null> {
    const all: OursExtraction[] = [];
    for (let i = 1; i <= o.repeats; i++) {
      const r = await step(`${label}${o.repeats > 1 ? `, ${i} of ${o.repeats}` : ''}`, () => measure({ dataset: data, model, workDir: o.workDir }));
      if (r) all.push(r);
    }
    if (!all.length) return null;
    if (all.length > 1) notes.push(`${label}: ${all.map((r) => r.imagesPerSecond.toFixed(1)).join(', ')} images/s; the best counts`);
    return all.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
  }

  return { step, bestExtraction, loads, notes };
}
