export type ElectronBinary = { path: string; missing?: undefined } | { path?: undefined; missing: string };
export function findElectronBinary(root: string): ElectronBinary;
export function downloadElectronBinary(root: string, timeoutMs?: number): ElectronBinary;
