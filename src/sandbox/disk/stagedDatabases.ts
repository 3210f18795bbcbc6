// When the service runs as root, bubblewrap runs as nobody and opens what it binds by path as nobody: a
// database in a private directory (a 0700 DATA_DIR, as a careful operator sets up) is out of its reach. Such a
// database is staged in a directory of this service's that nobody may traverse, without opening up the
// original: a hard link when the file is world-readable (no copy), a read-only copy otherwise or across file
// systems. A database that changes (another inode, size or time) is staged again.
import { constants } from "node:fs";
import { chmod, copyFile, link, mkdtemp, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { leftoverPrefix } from "./hostWorkspace.js";

export interface StagedDatabases {
  /** A path of the same database that the sandbox's user can open. */
  path(db: string): Promise<string>;
  close(): Promise<void>;
}

export function stagedDatabases(baseDir: string): StagedDatabases {
  let dir: Promise<string> | undefined;
  const staged = new Map<string, { path: string; version: string }>();
  // One staging of a database at a time: runs that start together share it.
  const staging = new Map<string, Promise<string>>();
  const makeDir = async () => {
    const made = await mkdtemp(join(baseDir, leftoverPrefix("db")));
    await chmod(made, 0o755);
    return made;
  };

  async function stage(db: string): Promise<string> {
    const info = await stat(db);
    const version = `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
    const known = staged.get(db);
    if (known?.version === version) return known.path;
    if (known) await rm(dirname(known.path), { recursive: true, force: true });
    const folder = await mkdtemp(join(await (dir ??= makeDir()), "db-"));
    await chmod(folder, 0o755);
    const path = join(folder, basename(db));
    const worldReadable = (info.mode & 0o004) !== 0;
    const linked = worldReadable && (await link(db, path).then(() => true, () => false));
    if (!linked) {
      await copyFile(db, path, constants.COPYFILE_FICLONE);
      await chmod(path, 0o444);
    }
    staged.set(db, { path, version });
    return path;
  }

  return {
    path(db) {
      const running = staging.get(db);
      if (running) return running;
      const next = stage(db).finally(() => staging.delete(db));
      staging.set(db, next);
      return next;
    },
    async close() {
      const made = dir;
      dir = undefined;
      staged.clear();
      if (made) await rm(await made, { recursive: true, force: true });
    },
  };
}
