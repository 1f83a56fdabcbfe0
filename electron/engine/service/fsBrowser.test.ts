import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFolder } from './fsBrowser';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-fs-browser-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("the web host's folder browser", () => {
  it('says why a folder whose name is not UTF-8 cannot be opened, where it said the folder it had just listed "does not exist"', async () => {
    // "été" as an old archive's Latin-1 writes it
    fs.mkdirSync(Buffer.concat([Buffer.from(`${tmp}/`), Buffer.from('\u00e9t\u00e9', 'latin1')]));
    const listed = await listFolder(tmp);
    expect(listed.entries).toEqual([{ name: '\ufffdt\ufffd', kind: 'dir', image: false }]);
    await expect(listFolder(path.join(tmp, listed.entries[0]!.name))).rejects.toMatchObject({
      message: expect.stringMatching(/cannot be opened: its name is not UTF-8 text .*Rename it \(convmv -f cp1252 -t utf8/),
    });
    await expect(listFolder(path.join(tmp, 'gone'))).rejects.toMatchObject({ message: `The folder ${path.join(tmp, 'gone')} does not exist.` });
  });
});
