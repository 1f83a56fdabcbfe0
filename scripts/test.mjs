#!/usr/bin/env node
// `npm test`: type-check, lint, then every vitest suite. CI counts tests from a plain closing
// line `N passed, N failed`, which vitest does not print, so this script writes it from
// vitest's JSON report (the type-check and lint count as one test each).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = (name) => path.join('node_modules', '.bin', name);
let passed = 0;
let failed = 0;
let skipped = 0;

function step(label, cmd, args) {
  process.stdout.write(`\n=== ${label}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status === 0) passed++;
  else {
    failed++;
    process.stdout.write(`=== ${label} FAILED (exit ${r.status})\n`);
  }
}

step('typecheck', bin('tsc'), ['-b']);
step('typecheck renderer', bin('vue-tsc'), ['--noEmit', '-p', 'tsconfig.web.json']);
// the end-to-end tests serve the built renderer
step('build web renderer', bin('vite'), ['build', '--config', 'vite.config.web.ts', '--logLevel', 'warn']);
step('lint', bin('eslint'), ['.']);
step('format', bin('prettier'), ['--check', '--log-level', 'warn', '.']);

const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-vitest-'));
const report = path.join(reportDir, 'report.json');
process.stdout.write('\n=== vitest\n');
const extra = process.argv.slice(2);
const r = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra], { stdio: 'inherit' });
try {
  const j = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed += j.numPassedTests;
  failed += j.numFailedTests;
  skipped += j.numPendingTests + (j.numTodoTests ?? 0);
  // a suite that fails to load has no tests in the counts: count it as a failure
  failed += (j.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
} catch {
  failed++;
  process.stdout.write(`vitest wrote no report (exit ${r.status})\n`);
} finally {
  fs.rmSync(reportDir, { recursive: true, force: true });
}
if (r.status !== 0 && failed === 0) failed++;
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed ? 1 : 0);
