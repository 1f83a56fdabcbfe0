import type { FrozenGraph, FrozenNode, WeightArray } from './frozenGraph';

/**
 * A FrozenGraph as it crosses to another JavaScript world (the desktop app's GPU window): the
 * nodes as JSON, every weight in one ArrayBuffer (float32, in node order), so the crossing
 * copies one buffer instead of structured-cloning hundreds of small arrays. Pure data: no Node,
 * no DOM, no TF.js.
 */
export interface PackedGraph {
  /** JSON of the graph, each weight replaced by `{ shape, offset, length }` (offset and length in floats) */
  spec: string;
  weights: ArrayBuffer;
}

interface WeightRef {
  shape: number[];
  offset: number;
  length: number;
}

const weightKeys = ['filter', 'bias', 'kernel', 'scale', 'shift'] as const;

/** a node's weight under `k`, if it holds one there ('rescale' keeps a plain number under `scale`) */
function weightOf(n: FrozenNode, k: (typeof weightKeys)[number]): WeightArray | null {
  const v = (n as unknown as Record<string, unknown>)[k];
  return typeof v === 'object' && v !== null && (v as WeightArray).data instanceof Float32Array ? (v as WeightArray) : null;
}

export function packGraph(g: FrozenGraph): PackedGraph {
  let total = 0;
  for (const n of g.nodes) for (const k of weightKeys) total += weightOf(n, k)?.data.length ?? 0;
  const all = new Float32Array(total);
  let at = 0;
  const nodes = g.nodes.map((n) => {
    const out: Record<string, unknown> = { ...n };
    for (const k of weightKeys) {
      const w = weightOf(n, k);
      if (!w) continue;
      all.set(w.data, at);
      out[k] = { shape: [...w.shape], offset: at, length: w.data.length } satisfies WeightRef;
      at += w.data.length;
    }
    return out;
  });
  return { spec: JSON.stringify({ nodes, output: g.output, inputShape: g.inputShape }), weights: all.buffer };
}

/** the graph back, its weights views into `weights` (no copy); throws on a spec that does not fit the buffer */
export function unpackGraph(p: PackedGraph): FrozenGraph {
  const floats = p.weights.byteLength / 4;
  const parsed = JSON.parse(p.spec) as { nodes: Record<string, unknown>[]; output: string; inputShape: number[] };
  const nodes = parsed.nodes.map((n) => {
    const out: Record<string, unknown> = { ...n };
    for (const k of weightKeys) {
      const r = n[k] as WeightRef | number | null | undefined;
      if (typeof r !== 'object' || r === null) continue;
      if (!(r.offset >= 0 && r.length >= 0 && r.offset + r.length <= floats)) throw new Error(`weight ${String(n.name)}/${k} lies outside the weights sent`);
      out[k] = { shape: r.shape, data: new Float32Array(p.weights, r.offset * 4, r.length) } satisfies WeightArray;
    }
    return out as unknown as FrozenNode;
  });
  return { nodes, output: parsed.output, inputShape: parsed.inputShape };
}
