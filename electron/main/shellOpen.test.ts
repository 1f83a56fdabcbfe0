import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { electronMock } from './test/electronMock';
import { shellHandlers } from './shellOpen';
import { reportGeneratorMeta } from '../../shared/ownFiles';

describe('opening what the app wrote, in the desktop app', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-shell-'));
  const open = shellHandlers()['shell.open'];
  beforeEach(() => {
    electronMock.shell.openPath.mockClear();
    electronMock.shell.showItemInFolder.mockClear();
  });

  it('opens a lab report it wrote, HTML or PDF, in the system viewer', async () => {
    const html = path.join(dir, 'lab-report.html');
    fs.writeFileSync(html, `<head>${reportGeneratorMeta}</head><p>report</p>`);
    const pdf = path.join(dir, 'lab-report.pdf');
    fs.writeFileSync(pdf, '%PDF-1.7\n1 0 obj\n<< /Title (Lab report - Transfer Lab) >>\nendobj\n');
    await expect(open({ path: html, how: 'open' })).resolves.toEqual({});
    await expect(open({ path: pdf, how: 'open' })).resolves.toEqual({});
    expect(electronMock.shell.openPath.mock.calls.map((c) => c[0])).toEqual([html, pdf]);
  });

  it('opens nothing else: a script, a file not ours under a report name, a folder', async () => {
    const script = path.join(dir, 'run.sh');
    fs.writeFileSync(script, '#!/bin/sh\necho hi\n');
    const theirs = path.join(dir, 'thesis.pdf');
    fs.writeFileSync(theirs, '%PDF-1.7 my thesis');
    for (const p of [script, theirs, dir])
      await expect(open({ path: p, how: 'open' })).rejects.toMatchObject({
        code: 'BAD_ARGUMENT',
        message: expect.stringContaining('only the lab reports it wrote'),
      });
    expect(electronMock.shell.openPath).not.toHaveBeenCalled();
  });

  it('shows any file or folder there is in the file manager, and says so of one that is gone', async () => {
    await expect(open({ path: dir, how: 'reveal' })).resolves.toEqual({});
    expect(electronMock.shell.showItemInFolder).toHaveBeenCalledWith(dir);
    await expect(open({ path: path.join(dir, 'gone'), how: 'reveal' })).rejects.toMatchObject({ message: expect.stringContaining('is not there any more') });
  });

  it('says why the system could not open a report (no viewer for PDFs)', async () => {
    const html = path.join(dir, 'again.html');
    fs.writeFileSync(html, `<head>${reportGeneratorMeta}</head>`);
    electronMock.shell.openPath.mockResolvedValueOnce('No application is registered as handling this file');
    await expect(open({ path: html, how: 'open' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('No application is registered'),
    });
  });
});
