import path from 'node:path';
import cliProgress from 'cli-progress';
import type { EngineEvent } from '../../shared/events';
import { isTransferLabError } from '../../shared/errors';
import { describeExtraction } from '../../shared/extraction';
import { describeExtractor } from '../../shared/runFacts';

/**
 * How the CLI speaks. With --json: one JSON object per line on stdout and nothing else there.
 * Otherwise: a progress bar on stderr when it is a terminal, and plain lines when it is not.
 */
export interface Output {
  json: boolean;
  event(e: EngineEvent): void;
  result(obj: Record<string, unknown>): void;
  info(line: string): void;
  close(): void;
}

/**
 * A progress line where stderr is not a terminal (a log, a pipe): what is known and nothing
 * else, "  extract 16/200 28.7 images/s, 6s left"; a scan has no rate and no time left to say,
 * and a phase at its end none left.
 */
export function plainProgress(e: Extract<EngineEvent, { type: 'progress' }>): string {
  const rate = e.perSecond ? ` ${e.perSecond.toFixed(1)} ${e.unit}/s` : '';
  const left = e.done < e.total && e.etaSeconds !== null && Number.isFinite(e.etaSeconds) ? `, ${fmtSeconds(e.etaSeconds)} left` : '';
  return `  ${e.phase} ${e.done}/${e.total}${rate}${left}`;
}

function fmtSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

export function createOutput(json: boolean): Output {
  const tty = Boolean(process.stderr.isTTY);
  let bar: cliProgress.SingleBar | null = null;
  let barPhase = '';
  let lastPlain = 0;
  const stopBar = () => {
    bar?.stop();
    bar = null;
    barPhase = '';
  };
  const err = (line: string) => {
    if (bar) stopBar();
    process.stderr.write(`${line}\n`);
  };
  return {
    json,
    event(e) {
      if (json) {
        process.stdout.write(`${JSON.stringify(e)}\n`);
        return;
      }
      switch (e.type) {
        case 'phase':
          err(`» ${e.message}`);
          break;
        case 'log':
          err(e.level === 'warn' ? `  ! ${e.message}` : `  ${e.message}`);
          break;
        case 'facts':
          if (e.backend) err(`  backend: ${e.backend.reason}`);
          if (e.extractor) err(`${e.extractor.fallbackReason ? '  ! ' : '  '}extractor: ${describeExtractor(e.extractor)}`);
          if (e.extraction) err(`  features: ${describeExtraction(e.extraction)}`);
          // e.devices comes at the end of a train: the summary's `devices:` line on stdout says it, once
          break;
        case 'epoch': {
          const val = e.valLoss === null ? '' : `  val loss ${e.valLoss.toFixed(4)}  val acc ${(e.valAccuracy! * 100).toFixed(1)}%`;
          err(
            `  epoch ${String(e.epoch).padStart(3)}/${e.epochs}  loss ${e.loss.toFixed(4)}  acc ${(e.accuracy * 100).toFixed(1)}%${val}  ${e.samplesPerSecond.toFixed(0)} samples/s  rss ${e.rssMiB} MiB  tensors ${e.numTensors}`,
          );
          break;
        }
        case 'progress': {
          if (e.phase === 'train') break; // the epoch lines say it better
          const rate = e.perSecond ? `${e.perSecond.toFixed(1)} ${e.unit}/s` : '';
          if (tty) {
            if (!bar || barPhase !== e.phase) {
              stopBar();
              bar = new cliProgress.SingleBar(
                {
                  format: `  ${e.phase.padEnd(8)} [{bar}] {value}/{total} {rate} eta {etaText} {detail}`,
                  hideCursor: true,
                  stream: process.stderr,
                  clearOnComplete: false,
                },
                cliProgress.Presets.shades_classic,
              );
              bar.start(Math.max(e.total, 1), e.done, { rate, etaText: fmtSeconds(e.etaSeconds), detail: e.detail ?? '' });
              barPhase = e.phase;
            }
            bar.setTotal(Math.max(e.total, 1));
            bar.update(e.done, { rate, etaText: fmtSeconds(e.etaSeconds), detail: e.detail ?? '' });
            if (e.done >= e.total) stopBar();
          } else if (Date.now() - lastPlain > 2000 || e.done >= e.total) {
            lastPlain = Date.now();
            process.stderr.write(`${plainProgress(e)}\n`);
          }
          break;
        }
      }
    },
    result(obj) {
      stopBar();
      if (json) process.stdout.write(`${JSON.stringify({ type: 'result', ...obj })}\n`);
    },
    info(line) {
      if (!json) {
        stopBar();
        process.stdout.write(`${line}\n`);
      }
    },
    close: stopBar,
  };
}

/** a share as the CLI prints it: 0.853 → "85.3%" */
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** what ends a message before the next sentence: nothing where it ends in punctuation, else a full stop (also after a path or a name) */
const endOfSentence = (message: string): string => (/[.!?:;]$/.test(message) ? '' : '.');

/** One line saying what happened and what to do; never a stack trace unless asked for. */
export function reportError(e: unknown, json: boolean): number {
  const debug = Boolean(process.env.TRANSFER_LAB_DEBUG);
  if (isTransferLabError(e)) {
    if (json) process.stdout.write(`${JSON.stringify({ type: 'error', ...e.toJSON() })}\n`);
    // the hint is a sentence of its own, also after a message that ends in a path or a name
    process.stderr.write(`error: ${e.message}${e.hint ? `${endOfSentence(e.message)} ${e.hint}` : ''}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return e.code === 'BAD_ARGUMENT' ? 2 : e.code === 'CANCELLED' ? 130 : 1;
  }
  const msg = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
  if (json) process.stdout.write(`${JSON.stringify({ type: 'error', code: 'INTERNAL', message: msg })}\n`);
  process.stderr.write(`error: unexpected failure: ${msg}${endOfSentence(msg)} Run again with TRANSFER_LAB_DEBUG=1 for details, and report it.\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}

/** runs a command's work with its output, which is closed after; a failure becomes one line and the exit code */
export async function withOutput(json: boolean, work: (out: Output) => Promise<void>): Promise<void> {
  const out = createOutput(json);
  try {
    await work(out);
    out.close();
  } catch (e) {
    out.close();
    process.exitCode = reportError(e, json);
  }
}

/**
 * A path as a command line the user can paste: relative to where they are when it lies below
 * it, absolute otherwise (a `../../` chain says less than the path), quoted for the shell where
 * it has a space or another character the shell would read.
 */
export function pathForCommand(p: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, p);
  const shown = rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(p) : rel;
  return /^[\w@%+=:,./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`;
}
