import type { MachineInfo, StepLoad } from './machine';

export interface BenchLine {
  type: 'bench';
  model: string;
  peerModel: string | null;
  dataset: string;
  images: number;
  extract: {
    ours: number | null;
    peer: number | null;
    peerBatch: number | null;
    ratio: number | null;
    peerByBatch: Record<string, number | null> | null;
  };
  /** the same extraction comparison on a second, heavier architecture (Inception v3 by default) */
  extractSecond: {
    model: string;
    peerModel: string | null;
    images: number;
    ours: number | null;
    peer: number | null;
    peerBatch: number | null;
    ratio: number | null;
    peerByBatch: Record<string, number | null> | null;
  } | null;
  /**
   * A whole extraction of the dataset, worker start, compiling and parity check included: on a
   * model's first run, and where an earlier run kept the compiled graph and its verdict
   */
  allIn: {
    images: number | null;
    first: { seconds: number; imagesPerSecond: number } | null;
    kept: { seconds: number; imagesPerSecond: number } | null;
  };
  sweep: {
    runs: number;
    epochs: number;
    ours: number | null;
    peerCached: number | null;
    peerTutorial: number | null;
    ratioCached: number | null;
    ratioTutorial: number | null;
    peerTutorialExtrapolatedFrom: number | null;
  };
  memory: { rss1x: number | null; rss10x: number | null; ratio: number | null; images1x: number | null; images10x: number | null };
  machine: MachineInfo & { backend: string | null; extractor: string | null; torch: string | null; busy: StepLoad[] };
  notes: string[];
}

export const round = (v: number | null, digits: number): number | null =>
  v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits;

/** a ratio where > 1 means we are ahead; null when either side is missing */
export function ratio(better: number | null, worse: number | null): number | null {
  return better === null || worse === null || worse === 0 ? null : round(better / worse, 2);
}

const show = (v: number | null, unit = ''): string => (v === null ? '—' : `${v}${unit}`);
const times = (v: number | null): string => (v === null ? '—' : `${v}×`);

/** The human table: one row per figure, ours beside the peer's, then the ratio. */
export function renderTable(b: BenchLine): string {
  const m = b.machine;
  const head = [
    `Transfer Lab bench: ${b.model} on ${b.images} images (${b.dataset})`,
    `machine: ${m.cpus} CPUs, ${m.model}${m.avx512 ? ' (AVX-512)' : ''}, ${m.memoryGiB} GiB; Node ${m.node}, ${m.decodeThreads} decoding threads; ours on ${m.backend ?? '?'} (extractor: ${m.extractor ?? '?'}); peer ${m.torch ? `PyTorch ${m.torch}, torchvision ${b.peerModel}` : 'not run'}`,
    '',
  ];
  const batches = (by: Record<string, number | null> | null) =>
    by
      ? Object.entries(by)
          .map(([k, v]) => `${k}: ${show(v)}`)
          .join(', ')
      : null;
  const byBatch = batches(b.extract.peerByBatch);
  const s = b.extractSecond;
  const secondRows: string[][] = s
    ? [
        [`extraction, ${s.model} (${s.images} images), images/s`, show(s.ours), s.peer === null ? '—' : `${s.peer} (batch ${s.peerBatch})`, times(s.ratio)],
        ...(batches(s.peerByBatch) ? [['  peer by batch size', '', batches(s.peerByBatch)!, '']] : []),
      ]
    : [];
  const rows: string[][] = [
    ['measure', 'ours', 'peer', 'ratio (>1: ours ahead)'],
    ['extraction, images/s', show(b.extract.ours), b.extract.peer === null ? '—' : `${b.extract.peer} (batch ${b.extract.peerBatch})`, times(b.extract.ratio)],
    ...(byBatch ? [['  peer by batch size', '', byBatch, '']] : []),
    ...secondRows,
    [
      `all in: ${show(b.allIn.images)} images, the model's first run (start, compiling, parity check), images/s`,
      show(b.allIn.first?.imagesPerSecond ?? null),
      '',
      '',
    ],
    ['  the same, its compiled graph and check kept from an earlier run, images/s', show(b.allIn.kept?.imagesPerSecond ?? null), '', ''],
    [
      `lab sweep, ${b.sweep.runs} runs × ${b.sweep.epochs} epochs, s`,
      show(b.sweep.ours),
      b.sweep.peerCached === null ? '—' : `${b.sweep.peerCached} (cached mode)`,
      times(b.sweep.ratioCached),
    ],
    [
      '  same sweep, peer in tutorial mode',
      '',
      b.sweep.peerTutorial === null
        ? '—'
        : `${b.sweep.peerTutorial}${b.sweep.peerTutorialExtrapolatedFrom ? ` (extrapolated from ${b.sweep.peerTutorialExtrapolatedFrom} run${b.sweep.peerTutorialExtrapolatedFrom > 1 ? 's' : ''})` : ''}`,
      times(b.sweep.ratioTutorial),
    ],
    [`peak RSS, 1× (${show(b.memory.images1x)} images), MiB`, show(b.memory.rss1x), '', ''],
    [`peak RSS, 10× (${show(b.memory.images10x)} distinct images), MiB`, show(b.memory.rss10x), '', ''],
    ['  memory growth 10× / 1× (1.0: flat)', times(b.memory.ratio), '', ''],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const table = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  return [...head, ...table, ...(b.notes.length ? ['', ...b.notes.map((n) => `note: ${n}`)] : [])].join('\n');
}
