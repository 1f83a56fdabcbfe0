import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLabService } from './labService';
import { eventNames, events, requestNames, requests } from '../../../shared/contract';
import { dispatch } from '../../../shared/rpc';

describe('the contract', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-contract-'));
  const service = createLabService({ host: 'web', version: 'test', emit: () => undefined, dataDir: dir, configDir: dir, backend: 'cpu' });

  it('has a handler in the engine for every request but the native dialogs, the PDF printing and the file manager (which main answers)', () => {
    const missing = requestNames.filter((n) => !service.handlers[n]);
    expect(missing.sort()).toEqual(['dialog.pickFolder', 'dialog.pickProjectFile', 'report.printPdf', 'shell.open']);
  });

  it('names every request and event with a schema on each side', () => {
    for (const n of requestNames) {
      expect(requests[n].input.safeParse).toBeTypeOf('function');
      expect(requests[n].output.safeParse).toBeTypeOf('function');
    }
    expect(eventNames).toEqual(expect.arrayContaining(['job.event', 'job.run', 'job.finished', 'download.progress', 'scan.progress']));
    for (const e of eventNames) expect(events[e].safeParse).toBeTypeOf('function');
  });

  it('refuses what does not parse before any handler runs, with a typed error', async () => {
    let called = false;
    const handlers = {
      'dataset.scan': async () => {
        called = true;
        throw new Error('must not run');
      },
    };
    const r = await dispatch(handlers as never, 'dataset.scan', { path: '' });
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT', message: expect.stringMatching(/Invalid dataset.scan request: path/) } });
    expect(called).toBe(false);
    expect(await dispatch(handlers as never, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
  });

  it('turns a thrown error into plain data a UI can show, never a stack', async () => {
    const r = await dispatch(
      {
        'app.info': async () => {
          throw new TypeError('x is undefined\n    at foo (bar.js:1:1)');
        },
      } as never,
      'app.info',
      {},
    );
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(r)).not.toMatch(/bar\.js/);
  });

  it('checks outputs against the contract where asked', async () => {
    const r = await dispatch({ 'app.info': async () => ({ version: 1 }) } as never, 'app.info', {}, { checkOutput: true });
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringMatching(/does not allow/) } });
  });
});
