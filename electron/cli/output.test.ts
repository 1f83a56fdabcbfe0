import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransferLabError } from '../../shared/errors';
import { createOutput, pathForCommand, plainProgress, reportError } from './output';

/** The CLI's text output of the engine's typed facts: the lines it printed from log text before. */
describe('the CLI output of facts events', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints the backend, what runs the frozen part (a fallback as a warning) and where the features came from', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    const out = createOutput(false);
    out.event({ type: 'facts', backend: { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', reason: 'wasm: XNNPACK with SIMD' } });
    out.event({ type: 'facts', extractor: { runtime: 'onnx', backend: 'onnxruntime-node', workers: 2, threads: 1 } });
    out.event({ type: 'facts', extractor: { runtime: 'fused', backend: 'wasm', workers: 1, threads: 1, fallbackReason: 'parity check failed' } });
    out.event({ type: 'facts', extraction: { source: 'cache', extracted: 0, cached: 40, measurement: null } });
    expect(lines.slice(0, 3)).toEqual([
      '  backend: wasm: XNNPACK with SIMD\n',
      '  extractor: ONNX Runtime on the CPU, 2 workers of 1 thread\n',
      '  ! extractor: TF.js fused graph on wasm, 1 worker (fell back: parity check failed)\n',
    ]);
    expect(lines[3]).toMatch(/^ {2}features: .+\n$/);
  });

  it('with --json, a facts event is one JSON line on stdout', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    createOutput(true).event({ type: 'facts', backend: { name: 'cpu', provider: 'cpu', reason: 'forced' } });
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ type: 'facts', backend: { name: 'cpu', provider: 'cpu', reason: 'forced' } }]);
  });
});

describe('a progress line where stderr is not a terminal', () => {
  const p = { type: 'progress' as const, phase: 'extract' as const, done: 16, total: 200, unit: 'images' as const, perSecond: 28.7, etaSeconds: 6.4 };
  it('says what is known and nothing else: no "eta --" for a scan, no time left at the end', () => {
    expect(plainProgress(p)).toBe('  extract 16/200 28.7 images/s, 6s left');
    expect(plainProgress({ ...p, done: 200, etaSeconds: 0 })).toBe('  extract 200/200 28.7 images/s');
    // a scan: "  scan 0/200  eta --" before
    expect(plainProgress({ ...p, phase: 'scan', done: 0, unit: 'files' as const, perSecond: null, etaSeconds: null })).toBe('  scan 0/200');
  });
});

describe('a path in a command the CLI suggests', () => {
  it('is relative below the working folder, absolute above it, and quoted where the shell would split or read it', () => {
    expect(pathForCommand('/home/ana/lab/runs/run-1', '/home/ana/lab')).toBe('runs/run-1');
    expect(pathForCommand('/home/ana/lab', '/home/ana/lab')).toBe('.');
    // a ../../ chain says less than the path
    expect(pathForCommand('/tmp/runs/run-1', '/home/ana/lab')).toBe('/tmp/runs/run-1');
    expect(pathForCommand('/home/ana/lab/my runs/run-1', '/home/ana/lab')).toBe("'my runs/run-1'");
    expect(pathForCommand("/data/ana's runs/1", '/home/ana')).toBe(`'/data/ana'\\''s runs/1'`);
  });
});

describe('an error as the CLI prints it', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is one line, its message and its hint two sentences even where the message ends in a path ("…: /nope Check the path" before)', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    expect(reportError(new TransferLabError('DATASET_NOT_FOUND', 'Dataset folder not found: /nope', 'Check the path.'), false)).toBe(1);
    expect(reportError(new TransferLabError('BAD_ARGUMENT', 'The run was stopped.', 'Resume it.'), false)).toBe(2);
    expect(reportError(new TransferLabError('BAD_ARGUMENT', 'No hint here'), false)).toBe(2);
    expect(lines).toEqual(['error: Dataset folder not found: /nope. Check the path.\n', 'error: The run was stopped. Resume it.\n', 'error: No hint here\n']);
  });

  it('says an unexpected failure in one line with one full stop after a message that has its own ("…(99999).. Run again" before)', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    expect(reportError(new RangeError('options.port should be < 65536. Received 99999.'), false)).toBe(1);
    expect(reportError(new Error('no stop'), false)).toBe(1);
    expect(lines).toEqual([
      'error: unexpected failure: options.port should be < 65536. Received 99999. Run again with TRANSFER_LAB_DEBUG=1 for details, and report it.\n',
      'error: unexpected failure: no stop. Run again with TRANSFER_LAB_DEBUG=1 for details, and report it.\n',
    ]);
  });
});
