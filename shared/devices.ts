import { describeExtraction, deviceBecause, extractedOnce, extractionOf, extractorName, madeBecause, onnxThreads } from './extraction';
import type { DeviceUse, RunDevices, RunRecord } from './run';

const useLine = (u: DeviceUse) => `${u.device.toUpperCase()} by ${u.by}${u.why ? `, because ${u.why}` : ''}`;

/** One line for people: "frozen part: CPU by ONNX Runtime's CPU provider, because …; head: CPU by …". */
export function describeDevices(d: RunDevices): string {
  const one = (label: string, u: DeviceUse) =>
    u.device === 'none' ? `${label}: not run, features read from ${u.by}${u.why ? ` — ${u.why}` : ''}` : `${label}: ${useLine(u)}`;
  return [one('frozen part', d.frozenPart), ...(d.topLayers ? [one('top layers', d.topLayers)] : []), one('head', d.head)].join('; ');
}

export interface DeviceRow {
  label: 'Frozen part' | 'Top layers' | 'Head';
  /** what ran it, and how fast: "CPU by ONNX Runtime's CPU provider (2 threads), extracted now: …" */
  text: string;
  /** why not a faster device, a line of its own under the text: "CPU because no GPU adapter: …" */
  why?: string;
}

/** a part's device and runtime, and apart from them why no faster device ran it */
const useRow = (label: DeviceRow['label'], u: DeviceUse): DeviceRow => ({
  label,
  text: `${u.device.toUpperCase()} by ${u.by}`,
  ...(u.why ? { why: deviceBecause(u.device, u.why) } : {}),
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
    ...(d?.topLayers ? [useRow('Top layers', d.topLayers)] : []),
    d ? useRow('Head', d.head) : { label: 'Head', text: `${r.backend.name}` },
  ];
}
