import { describeExtraction, deviceBecause, extractedOnce, extractionOf, extractorName, madeBecause, onnxThreads } from './extraction';
import type { DeviceUse, RunRecord } from './run';

/** why the top layers and the head trained off the GPU, where the frozen part did: `${frozenPartStayed}: <its reason>` */
export const frozenPartStayed = 'the frozen part stayed on the CPU';

/**
 * A reason of the top layers or the head without the frozen part's reason inside it, where that
 * is said on its own row above: "the frozen part stayed on the CPU: <the adapter's reason>" said
 * the adapter's reason three times in a fine-tuned run's rows.
 */
export function withoutFrozenReason(why: string, frozenWhys: Iterable<string>): string {
  let said = why;
  for (const w of frozenWhys) said = said.replace(`${frozenPartStayed}: ${w}`, frozenPartStayed);
  return said;
}

/** A part of a run as people read it (the Evaluate step, the Train step's run panel, the CLI's summary). */
export interface DeviceRow {
  label: 'Frozen part' | 'Top layers' | 'Head';
  /** what ran it, and how fast: "CPU by ONNX Runtime's CPU provider (2 threads), extracted now: …" */
  text: string;
  /** why not a faster device, a line of its own under the text: "CPU because no GPU adapter: …" */
  why?: string;
}

/** a part's device and runtime, and apart from them why no faster device ran it */
const useRow = (label: DeviceRow['label'], u: DeviceUse, frozenWhy: string | undefined): DeviceRow => ({
  label,
  text: `${u.device.toUpperCase()} by ${u.by}`,
  // the frozen part's reason is said on its own row, just above: not again on each row below
  ...(u.why ? { why: deviceBecause(u.device, withoutFrozenReason(u.why, frozenWhy ? [frozenWhy] : [])) } : {}),
});

/**
 * What ran each part of a run, a row each, every fact once: the frozen part with its extraction
 * (where, how fast, or which extraction a cached run's features came from, and why not faster),
 * the fine-tuned top layers, the head. A record written before runs kept their devices reads
 * with what it has.
 */
export function deviceRows(r: Pick<RunRecord, 'devices' | 'extraction' | 'extractor' | 'cache' | 'timings' | 'backend'>): DeviceRow[] {
  const x = extractionOf(r);
  const fellBack = r.extractor.fallbackReason ? ` (fell back: ${r.extractor.fallbackReason})` : '';
  const d = r.devices;
  let frozen: string;
  let why: string | undefined;
  if (x.source === 'cache') {
    const m = x.measurement;
    frozen = `not run: every feature from the cache, ${m ? extractedOnce(m) : 'extracted before the cache kept its time'}`;
    why = (m && madeBecause(m)) ?? undefined;
  } else {
    const u = d && d.frozenPart.device !== 'none' ? d.frozenPart : null;
    const threads = r.extractor.threads;
    const where = u
      ? `${u.device.toUpperCase()} by ${u.by}${r.extractor.runtime === 'onnx' ? onnxThreads(threads) : ''}`
      : extractorName(r.extractor.runtime, threads, r.extractor.backend);
    frozen = `${where}${fellBack}, ${describeExtraction(x)}`;
    why = u?.why ? deviceBecause(u.device, u.why) : undefined;
  }
  return [
    { label: 'Frozen part', text: frozen, ...(why ? { why } : {}) },
    ...(d?.topLayers ? [useRow('Top layers', d.topLayers, d.frozenPart.why)] : []),
    d ? useRow('Head', d.head, d.frozenPart.why) : { label: 'Head', text: `${r.backend.name}` },
  ];
}
