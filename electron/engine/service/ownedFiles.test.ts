import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newProject } from '../../../shared/project';
import { dispatch } from '../../../shared/rpc';
import { sampleRunRecord } from '../../../shared/project.fixtures';
import { findChromium } from '../report/pdf';
import { createLabService, type LabService } from './labService';

/**
 * Reports and projects are written only under their own extension, and never over a file of
 * the same name that Transfer Lab did not write.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-owned-'));
let service: LabService;
const project = { ...newProject('Pets'), runs: [{ ...sampleRunRecord('run-a'), weightsDir: '/w/a' }] };

const call = async (name: string, input: unknown) => {
  const r = await dispatch(service.handlers, name, input, { checkOutput: true });
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
  return r.result as any;
};

beforeAll(() => {
  service = createLabService({
    host: 'web',
    version: 'test',
    backend: 'cpu',
    dataDir: path.join(work, 'data'),
    configDir: path.join(work, 'config'),
    emit: () => undefined,
  });
});
afterAll(() => service.close());

describe('files that are not ours', () => {
  it('a report is not written over an unrelated file, and the file is left as it was', async () => {
    const thesis = path.join(work, 'thesis.html');
    fs.writeFileSync(thesis, '<html><body>three years of work</body></html>');
    await expect(call('report.export', { project, htmlFile: thesis, pdf: false })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: `Not writing ${thesis}: a file of that name exists and is not a Transfer Lab report.`,
    });
    expect(fs.readFileSync(thesis, 'utf8')).toBe('<html><body>three years of work</body></html>');
  });

  it('a report is written only as .html: any other name gets the extension', async () => {
    const profile = path.join(work, '.profile');
    fs.writeFileSync(profile, 'export PATH=~/bin:$PATH\n');
    const r = await call('report.export', { project, htmlFile: profile, pdf: false });
    expect(r.htmlFile).toBe(`${profile}.html`);
    expect(fs.readFileSync(profile, 'utf8')).toBe('export PATH=~/bin:$PATH\n');
  });

  it('a report replaces a report it wrote before; a PDF name taken by another file stops it before anything is written', async () => {
    const html = path.join(work, 'lab.html');
    await call('report.export', { project, htmlFile: html, pdf: false });
    const first = fs.readFileSync(html, 'utf8');
    expect(first).toContain('<meta name="generator" content="Transfer Lab">');
    await call('report.export', { project: { ...project, notes: 'second go' }, htmlFile: html, pdf: false });
    expect(fs.readFileSync(html, 'utf8')).toContain('second go');

    fs.writeFileSync(path.join(work, 'lab.pdf'), '%PDF-1.5 someone else’s PDF');
    await expect(call('report.export', { project: { ...project, notes: 'third go' }, htmlFile: html, pdf: true })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/lab\.pdf: a file of that name exists and is not a PDF of a Transfer Lab report/),
    });
    expect(fs.readFileSync(html, 'utf8')).not.toContain('third go');
    expect(fs.readFileSync(path.join(work, 'lab.pdf'), 'utf8')).toBe('%PDF-1.5 someone else’s PDF');
  });

  it.skipIf(!findChromium())(
    'a PDF it printed is known as its own and replaced; Letter paper when asked',
    async () => {
      const html = path.join(work, 'printed.html');
      const r = await call('report.export', { project, htmlFile: html, pdf: true, paper: 'letter' });
      expect(r.pdfFile).toBe(path.join(work, 'printed.pdf'));
      const pdf = fs.readFileSync(r.pdfFile).toString('latin1');
      expect(pdf).toMatch(/\/MediaBox \[0 0 612 792\]/);
      const again = await call('report.export', { project, htmlFile: html, pdf: true, paper: 'a4' });
      expect(again.pdfUnavailable).toBeNull();
      expect(fs.readFileSync(r.pdfFile).toString('latin1')).toMatch(/\/MediaBox \[0 0 594\.\d+ 841\.\d+\]/);
    },
    120_000,
  );

  it('a project is saved only as .tlab and never over a file that is not a project', async () => {
    const notes = path.join(work, 'notes.tlab');
    fs.writeFileSync(notes, 'my notes, not a project');
    await expect(call('project.save', { file: notes, project: newProject('x') })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/is not a Transfer Lab project/),
    });
    expect(fs.readFileSync(notes, 'utf8')).toBe('my notes, not a project');
    expect(fs.existsSync(`${notes}.d`)).toBe(false);
    const saved = await call('project.save', { file: path.join(work, 'essay.txt'), project: newProject('x') });
    expect(saved.file).toBe(path.join(work, 'essay.txt.tlab'));
    // a project replaces a project
    await call('project.save', { file: saved.file, project: newProject('y') });
    expect(JSON.parse(fs.readFileSync(saved.file, 'utf8')).name).toBe('y');
  });
});
