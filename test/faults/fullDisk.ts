import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A full disk for one command: a small tmpfs mounted where the command writes, seeded with
 * what should survive there (a previous export, a project), then filled until only a few KiB
 * are free. Afterwards what the disk held is copied out, so the test can check that nothing
 * was lost. Mounting needs root (the test machines are), else a user namespace
 * (`unshare -rm`) where the kernel allows one; without either the tests say why they skip.
 */
export type FullDiskSupport = { how: 'mount' | 'unshare' } | { how: 'none'; why: string };

const script = `# $1 folder, $2 KiB of tmpfs, $3 folder to seed it with (or ""), $4 KiB to leave free, $5 folder to copy it to afterwards
d=$1; size=$2; seed=$3; free=$4; after=$5; shift 5
mount -t tmpfs -o size=\${size}k tmpfs "$d" || exit 97
[ -n "$seed" ] && cp -a "$seed/." "$d/"
avail=$(df -Pk "$d" | awk 'NR==2 {print $4}')
[ "$avail" -gt "$free" ] && dd if=/dev/zero of="$d/.filler" bs=1024 count=$((avail - free)) 2>/dev/null
"$@"
rc=$?
rm -f "$d/.filler"
mkdir -p "$after" && cp -a "$d/." "$after/"
umount "$d"
exit $rc
`;

let support: FullDiskSupport | undefined;

export function fullDiskSupport(): FullDiskSupport {
  if (support) return support;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-tmpfs-probe-'));
  const probeMount = `mount -t tmpfs -o size=64k tmpfs "${probe}" && umount "${probe}"`;
  const direct = process.getuid?.() === 0 ? spawnSync('sh', ['-c', probeMount], { encoding: 'utf8' }) : null;
  if (direct?.status === 0) support = { how: 'mount' };
  else {
    const ns = spawnSync('unshare', ['-rm', 'sh', '-c', probeMount], { encoding: 'utf8' });
    const why = (direct?.stderr || ns.stderr || ns.error?.message || '').trim();
    support =
      ns.status === 0
        ? { how: 'unshare' }
        : { how: 'none', why: `cannot mount a tmpfs (${why || 'not root'}): the full-disk cases need root or user namespaces` };
  }
  fs.rmSync(probe, { recursive: true, force: true });
  return support;
}

export interface FullDiskPlan {
  /** the folder the tmpfs is mounted on (created if missing) */
  dir: string;
  /** what to put there first */
  seed?: string;
  /** KiB left free once it is filled */
  freeKiB: number;
  /** where its content is copied once the command has ended */
  after: string;
}

/** wraps a command so that it runs with the full disk mounted at plan.dir */
export function onFullDisk(plan: FullDiskPlan): (command: string, args: string[]) => [string, string[]] {
  const s = fullDiskSupport();
  if (s.how === 'none') throw new Error(s.why);
  fs.mkdirSync(plan.dir, { recursive: true });
  const file = path.join(os.tmpdir(), `tl-full-disk-${process.pid}.sh`);
  fs.writeFileSync(file, script);
  const seedKiB = plan.seed ? Math.ceil(Number(spawnSync('du', ['-sk', plan.seed], { encoding: 'utf8' }).stdout.split('\t')[0]) * 1.5) : 0;
  const params = [file, plan.dir, String(seedKiB + plan.freeKiB + 512), plan.seed ?? '', String(plan.freeKiB), plan.after];
  return (command, args) => (s.how === 'mount' ? ['sh', [...params, command, ...args]] : ['unshare', ['-rm', 'sh', ...params, command, ...args]]);
}
