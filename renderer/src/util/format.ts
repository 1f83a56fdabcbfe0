/** Number formatting shared by every step, so the same quantity always reads the same way. */

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 2257984 → "2.26 M": parameter counts read best in millions once they are large */
export function formatParams(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return formatCount(n);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? Math.round(v) : v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

export function formatPercent(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  // a head's epoch on cached features can take 30 ms: "0.0 s" said it took nothing
  if (seconds > 0 && seconds < 0.1) return `${Math.max(1, Math.round(seconds * 1000))} ms`;
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * One unit for a column of durations, so figures compare at a glance: a column of "0.1 s" above
 * "51 ms" reads as if the second were the larger. Where every value is under a second, all are in
 * ms; otherwise as formatDuration, with those under a tenth of a second in hundredths ("0.05 s").
 */
export function durationColumn(values: readonly (number | null | undefined)[]): (seconds: number | null | undefined) => string {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const allShort = finite.length > 0 && finite.every((v) => v < 1);
  return (seconds) => {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
    if (allShort) return `${Math.max(seconds > 0 ? 1 : 0, Math.round(seconds * 1000))} ms`;
    if (seconds < 0.1) return `${Math.max(0, seconds).toFixed(2)} s`;
    return formatDuration(seconds);
  };
}

export function formatRate(perSecond: number | null | undefined, unit: string): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return '';
  return `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toFixed(1)} ${unit}/s`;
}

/** [7, 7, 1280] → "7 × 7 × 1280"; free dimensions print as "?" */
export function formatShape(shape: readonly (number | null)[]): string {
  return shape.length ? shape.map((d) => (d === null ? '?' : String(d))).join(' × ') : 'scalar';
}

/** The separator the engine's paths use: the engine may run on Windows while the page does not. */
export function pathSeparator(p: string): string {
  return p.includes('\\') && !p.includes('/') ? '\\' : '/';
}

export function joinPath(dir: string, name: string): string {
  const sep = pathSeparator(dir);
  return dir.endsWith(sep) ? `${dir}${name}` : `${dir}${sep}${name}`;
}

export function baseName(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

export function dirName(p: string): string {
  const sep = pathSeparator(p);
  const i = p.lastIndexOf(sep);
  return i <= 0 ? sep : p.slice(0, i);
}
