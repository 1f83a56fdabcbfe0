import fsp from 'node:fs/promises';
import path from 'node:path';
import { TransferLabError } from '../../../shared/errors';

/**
 * Before anything is created under a folder: is it a folder on a filesystem that holds files?
 *
 * Why: a save makes folders (the project's runs) before its file, and an export a staging folder
 * beside its destination; each undoes them when it fails. Kernel pseudo-filesystems (/proc, /sys,
 * /dev and their kin) never hold a project or a model, so a path on one is refused with a message
 * before any folder is made, as is a path through a file or a read-only folder. (Making the
 * folders never hangs either way: makeDirs.)
 */

// statfs f_type of Linux pseudo-filesystems (linux/magic.h)
const pseudoFilesystems = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x1cd1, 'devpts'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0x19800202, 'mqueue'],
  [0x42494e4d, 'binfmt_misc'],
  [0xde5e81e4, 'efivarfs'],
  [0x6e736673, 'nsfs'],
]);
/** devtmpfs reports tmpfs's type, which a real tmpfs folder also has: /dev is known by its place */
const pseudoRoots = ['/proc', '/sys', '/dev'];

/** `doing`: what the user asked, as the message begins ("Cannot save in …", "Cannot export to …") */
export async function assertWritableFolder(folder: string, doing = 'save in'): Promise<void> {
  const refuse = (dir: string, why: string) =>
    new TransferLabError('BAD_ARGUMENT', `Cannot ${doing} ${dir}: ${why}.`, 'Choose a folder in your home folder, or another folder on a disk.');
  const dir = path.resolve(folder);
  // the nearest part of the path that exists: everything below it would be created
  let existing = dir;
  let stat: Awaited<ReturnType<typeof fsp.stat>> | null = null;
  for (;;) {
    try {
      stat = await fsp.stat(existing);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw refuse(dir, 'part of the path is a file, not a folder');
      if (code !== 'ENOENT') throw refuse(dir, `${existing} cannot be read (${code ?? String(e)})`);
      const parent = path.dirname(existing);
      if (parent === existing) throw refuse(dir, 'no part of the path exists');
      existing = parent;
    }
  }
  if (!stat.isDirectory()) throw refuse(dir, `${existing} is a file, not a folder`);
  const real = await fsp.realpath(existing).catch(() => existing);
  if (process.platform === 'linux') {
    if (pseudoRoots.some((root) => real === root || real.startsWith(root + path.sep)))
      throw refuse(dir, `${pseudoRoots.find((root) => real === root || real.startsWith(root + path.sep))} is the system's, not a disk`);
    const kind = pseudoFilesystems.get(Number((await fsp.statfs(real)).type));
    if (kind) throw refuse(dir, `it is on the system's ${kind} filesystem, not a disk`);
  }
  try {
    await fsp.access(real, fsp.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(dir, code === 'EROFS' ? 'the disk is read-only' : `no permission to write in ${existing}`);
  }
}
