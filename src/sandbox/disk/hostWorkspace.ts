// What the sandbox keeps on the host's disk: a run's directories, for the modes whose workspace is on disk
// (virtual, unsafe-host): `work` (the shell's /work) and `tmp` (its /tmp), removed with the run; and bubblewrap's
// staged databases (bwrap.ts). Their names carry the service's pid, so that what a killed service left behind
// is swept at the next start without touching another live service's.
import { chown, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { processAlive } from "../../lib/processAlive.js";

export interface Owner {
  uid: number;
  gid: number;
}

/** Who owns a sandbox's files and processes: nobody (65534) when the service runs as root, else the service's user. */
export function sandboxOwner(): Owner | undefined {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
}

export interface Workspace {
  root: string;
  work: string;
  tmp: string;
  owner?: Owner;
  remove(): Promise<void>;
}

/** The prefix of a directory this service keeps under the temp directory: swept once its pid is gone. */
export const leftoverPrefix = (kind: "run" | "db") => `sema4-${kind}-${process.pid}-`;

export async function createWorkspace(baseDir: string, owner: Owner | undefined): Promise<Workspace> {
  const root = await mkdtemp(join(baseDir, leftoverPrefix("run")));
  const work = join(root, "work");
  const tmp = join(root, "tmp");
  await mkdir(work, { mode: 0o755 });
  await mkdir(tmp, { mode: 0o700 });
  if (owner) for (const dir of [root, work, tmp]) await chown(dir, owner.uid, owner.gid);
  return { root, work, tmp, owner, remove: () => rm(root, { recursive: true, force: true }) };
}

/**
 * Removes what the sandbox left under `baseDir` for services that are no longer running (at start), or this
 * service's own (`ours`, at shutdown). Returns how many were removed.
 */
export async function sweepLeftovers(baseDir: string, which: "dead" | "ours"): Promise<number> {
  const names = await readdir(baseDir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const match = /^sema4-(?:run|db)-(\d+)-/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (which === "ours" ? pid !== process.pid : pid === process.pid || processAlive(pid)) continue;
    await rm(join(baseDir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
