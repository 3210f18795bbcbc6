// The spool (DATA_DIR/ingest-spool) keeps uploads and decompressed files between the two passes of an ingest. Each
// file is named after the process that wrote it, so that a sweep at start removes what a stopped process left
// (killed mid-upload, or stopped before its ingest let go) and never a file a running process still reads: two
// processes may share a DATA_DIR, and many apps of one process may run at once (tests).
import { randomBytes, randomUUID } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { processAlive } from "../../lib/processAlive.js";

/** This process's life: an earlier one with the same pid (pid 1 in a container after a restart) has another. */
const LIFE = randomBytes(4).toString("hex");
const OURS = /^ingest-(\d+)-([0-9a-f]{8})-[0-9a-f-]{36}\.json$/;

/** A new file name in the spool, unique and marked as this process's. */
/** The spool of a DATA_DIR. */
export const spoolDirOf = (dataDir: string) => join(dataDir, "ingest-spool");

export function spoolPath(dir: string): string {
  return join(dir, `ingest-${process.pid}-${LIFE}-${randomUUID()}.json`);
}

/** Removes the files of processes that are gone (and files named otherwise: left by older versions); returns them. */
export async function sweepSpool(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const left = names.filter((name) => name.startsWith("ingest-") && !isInUse(name));
  await Promise.all(left.map((name) => rm(join(dir, name), { force: true })));
  return left;
}

function isInUse(name: string): boolean {
  const match = OURS.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  return pid === process.pid ? match[2] === LIFE : pid > 0 && processAlive(pid);
}

