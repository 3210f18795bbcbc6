// A run's directories on the host: `work` (the shell's /work) and `tmp` (its /tmp), removed with the run.
import { chown, mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";

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

export async function createWorkspace(baseDir: string, owner: Owner | undefined): Promise<Workspace> {
  const root = await mkdtemp(join(baseDir, "sema4-run-"));
  const work = join(root, "work");
  const tmp = join(root, "tmp");
  await mkdir(work, { mode: 0o755 });
  await mkdir(tmp, { mode: 0o700 });
  if (owner) for (const dir of [root, work, tmp]) await chown(dir, owner.uid, owner.gid);
  return { root, work, tmp, owner, remove: () => rm(root, { recursive: true, force: true }) };
}
