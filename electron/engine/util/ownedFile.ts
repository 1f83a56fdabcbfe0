import fsp from 'node:fs/promises';
import { TransferLabError } from '../../../shared/errors';
import { isOurPdf, isOurProject, isOurReportHtml, ownershipProbeBytes } from '../../../shared/ownFiles';

export type OwnedKind = 'report' | 'pdf' | 'project';

const checks: Record<OwnedKind, { test: (latin1: string) => boolean; what: string }> = {
  report: { test: isOurReportHtml, what: 'a Transfer Lab report' },
  pdf: { test: isOurPdf, what: 'a PDF of a Transfer Lab report' },
  project: { test: isOurProject, what: 'a Transfer Lab project' },
};

/**
 * Refuses to replace `file` unless it is missing or is one of ours of `kind` (see shared/ownFiles.ts).
 * Called before anything is written, so a refused save leaves the disk as it was.
 */
export async function assertReplaceable(file: string, kind: OwnedKind): Promise<void> {
  const refuse = (why: string) => new TransferLabError('BAD_ARGUMENT', `Not writing ${file}: ${why}.`, 'Choose another name, or move that file away first.');
  let handle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'EISDIR') throw refuse('a folder has that name');
    throw refuse(`a file of that name exists and cannot be read (${code ?? 'error'})`);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw refuse('a folder has that name');
    if (!st.isFile()) throw refuse('something other than a file has that name');
    const size = st.size;
    const head = Buffer.alloc(Math.min(size, ownershipProbeBytes));
    await handle.read(head, 0, head.length, 0);
    let text = head.toString('latin1');
    // a whole project is needed to parse it; a PDF keeps its /Title near the end
    if (kind === 'project' && size > head.length) text = (await handle.readFile()).toString('utf8');
    else if (kind === 'project') text = head.toString('utf8');
    else if (size > head.length) {
      const tail = Buffer.alloc(Math.min(size - head.length, ownershipProbeBytes));
      await handle.read(tail, 0, tail.length, size - tail.length);
      text += tail.toString('latin1');
    }
    if (!checks[kind].test(text)) throw refuse(`a file of that name exists and is not ${checks[kind].what}`);
  } finally {
    await handle.close();
  }
}
