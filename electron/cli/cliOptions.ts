import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import type { z } from 'zod';
import { parseAxisList, type NumberAxis } from '../../shared/sweep';
import { firstMessage, numberFromText } from '../../shared/trainConfig';
import { backendPreferences, type BackendPreference } from '../engine/tf/backend';

/** How the commands read their options: each value checked as it is parsed, refused with one line that says why. */

export function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1.`);
    return n;
  };
}

/** a TCP port to listen on: 0 (any free one) to 65535 */
export function portNumber(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n > 65535) throw new InvalidArgumentError('A port is a whole number from 0 to 65535 (0: any free port).');
  return n;
}

/** an option checked by its setting's rule in shared/: refused with the rule's own message */
export function setting<T>(rule: z.ZodType<T>) {
  return (v: string): T => {
    const r = rule.safeParse(numberFromText(v));
    if (!r.success) throw new InvalidArgumentError(firstMessage(r.error));
    return r.data;
  };
}

export function valueRange(v: string): [number, number] {
  const parts = v.split(',').map(Number);
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n)) || parts[0]! >= parts[1]!)
    throw new InvalidArgumentError('--input-range takes two numbers, low,high (e.g. -1,1 or 0,1).');
  return [parts[0]!, parts[1]!];
}

/** a sweep option's list, "0.001,0.01,1", read as the sweep form reads it: each value by its setting's rule */
export const list =
  <N extends NumberAxis>(name: N) =>
  (v: string) => {
    const r = parseAxisList(name, v);
    if ('error' in r) throw new InvalidArgumentError(r.error);
    return r.values;
  };

/** --backend, the same on every command that computes */
export const backendOption = () =>
  new Option('--backend <name>', 'TensorFlow.js backend').choices(backendPreferences as BackendPreference[]).default('auto' as BackendPreference);
