import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import setup from './globalSetup';

describe("the test run's temporary folder", () => {
  it('is where this test file, and every process it starts, writes: not /tmp itself', () => {
    // each `npm test` left about 400 MB of run folders in /tmp when the tests wrote there
    expect(path.basename(os.tmpdir())).toMatch(/^transfer-lab-tests-/);
    expect(process.env.TRANSFER_LAB_CACHE).toBe(path.join(os.tmpdir(), 'user-cache'));
  });

  it('is made with the environment set, and removed with the environment restored', () => {
    const before = { TMPDIR: process.env.TMPDIR, TRANSFER_LAB_CACHE: process.env.TRANSFER_LAB_CACHE };
    const teardown = setup();
    const root = process.env.TMPDIR!;
    try {
      expect(path.dirname(root)).toBe(before.TMPDIR);
      expect(os.tmpdir()).toBe(root);
      fs.mkdirSync(path.join(os.tmpdir(), 'left-behind', 'run'), { recursive: true });
      fs.writeFileSync(path.join(os.tmpdir(), 'left-behind', 'run', 'features.bin'), 'x');
    } finally {
      teardown();
    }
    expect(fs.existsSync(root)).toBe(false);
    expect({ TMPDIR: process.env.TMPDIR, TRANSFER_LAB_CACHE: process.env.TRANSFER_LAB_CACHE }).toEqual(before);
  });
});
