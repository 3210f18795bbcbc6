// Fixtures for the sandbox tests: a real gold database, the modes to exercise, a factory per mode.
import { createHash } from "node:crypto";
import { chmodSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { testConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createSandboxFactory, type SandboxFactoryOptions } from "../../src/sandbox/index.js";
import type { SandboxFactory } from "../../src/sandbox/types.js";

export type RealMode = "bwrap" | "virtual";

/**
 * The modes whose escape tests run: both, unless SANDBOX_TEST_MODES names fewer (a CI host that refuses
 * user namespaces must say so explicitly rather than have bubblewrap's tests vanish).
 */
export const TEST_MODES: RealMode[] = (process.env.SANDBOX_TEST_MODES ?? "bwrap,virtual")
  .split(",")
  .map((m) => m.trim())
  .filter((m): m is RealMode => m === "bwrap" || m === "virtual");

export const silentLogger = createLogger({ LOG_LEVEL: "silent" });

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  // The sandbox runs as nobody when the tests run as root: it must reach the files made here.
  chmodSync(path, 0o755);
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A small gold database: t(id, name, score) with three rows. */
export function makeGoldDb(dir: string, name = "gold.db"): string {
  const path = join(dir, name);
  const db = new Database(path);
  db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL);
           INSERT INTO t VALUES (1, 'alice', 1.5), (2, 'bob', 2.5), (3, 'carol', NULL);
           CREATE INDEX t_name ON t(name);`);
  db.close();
  chmodSync(path, 0o644);
  return path;
}

export const hashFile = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

export function factoryFor(mode: RealMode | "unsafe-host", options: SandboxFactoryOptions = {}): Promise<SandboxFactory> {
  const config = testConfig({ SANDBOX_MODE: mode, ALLOW_UNSAFE_SANDBOX: mode === "unsafe-host" ? "true" : "false" });
  return createSandboxFactory(config, silentLogger, options);
}

/** Host processes whose command line mentions `text` (a run's workspace path). */
export function hostProcessesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return pids;
}

/** The host directory of the only run workspace under `baseDir`. */
export function onlyWorkspace(baseDir: string): string {
  const runs = readdirSync(baseDir).filter((n) => n.startsWith("sema4-run-"));
  if (runs.length !== 1) throw new Error(`expected one workspace under ${baseDir}, found ${runs.join(", ") || "none"}`);
  return join(baseDir, runs[0]);
}
