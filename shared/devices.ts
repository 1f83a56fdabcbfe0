import type { DeviceUse, RunDevices } from './run';

/** One line for people: "frozen part: CPU by ONNX Runtime's CPU provider, because …; head: CPU by …". */
export function describeDevices(d: RunDevices): string {
  const one = (label: string, u: DeviceUse) =>
    u.device === 'none'
      ? `${label}: not run, features read from ${u.by}${u.why ? ` — ${u.why}` : ''}`
      : `${label}: ${u.device.toUpperCase()} by ${u.by}${u.why ? `, because ${u.why}` : ''}`;
  return [one('frozen part', d.frozenPart), ...(d.topLayers ? [one('top layers', d.topLayers)] : []), one('head', d.head)].join('; ');
}
