// The start-up probe: which sandbox this host can run, proven by running a command in it, never assumed.
// auto prefers bubblewrap (real tools, kernel isolation) and falls back to the virtual shell; it never
// picks unsafe-host, which needs SANDBOX_MODE=unsafe-host, ALLOW_UNSAFE_SANDBOX=true and no production.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config.js";
import { AppError, messageOf } from "../errors.js";
import type { Mode } from "./composeSandbox.js";
import type { SandboxMode } from "./types.js";

export interface ModeCandidates {
  bwrap: () => Promise<Mode>;
  virtual: () => Promise<Mode>;
  unsafeHost: () => Promise<Mode>;
}

export interface ModeChoice {
  mode: SandboxMode;
  /** Why: what the probe found, for logs and /readyz. */
  reason: string;
  impl: Mode;
}

type ProbeConfig = Pick<Config, "SANDBOX_MODE" | "ALLOW_UNSAFE_SANDBOX" | "NODE_ENV">;

const PROBE_TIMEOUT_MS = 20_000;

export interface ProbeOptions {
  /** Where a probe database is made when none is given. */
  baseDir: string;
  /** The database runs will get: a run's sandbox must be able to open it, so the probe does. */
  dbPath?: string;
}

/**
 * Builds a mode and runs in one of its sandboxes what a run needs: a command, the database opened through the
 * sandbox's own view of it, and a file written and read back. The mode is returned only if all of that works.
 */
async function prove(build: () => Promise<Mode>, command: string, expect: RegExp, options: ProbeOptions): Promise<Mode> {
  let dir: string | undefined;
  let db = options.dbPath;
  if (!db) {
    dir = await mkdtemp(join(options.baseDir, "sema4-probe-"));
    // The empty file is an empty SQLite database, readable by the sandbox's user.
    await chmod(dir, 0o755);
    db = join(dir, "probe.db");
    await writeFile(db, "", { mode: 0o644 });
  }
  try {
    const impl = await build();
    const sandbox = await impl.create({ dbPath: db });
    try {
      const result = await sandbox.exec(`${command} && sqlite3 ${sandbox.dbPath} 'SELECT 42'`, { timeoutMs: PROBE_TIMEOUT_MS });
      if (result.exitCode !== 0 || !expect.test(result.stdout) || !result.stdout.endsWith("\n42\n")) {
        throw new Error(`the probe command failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim()}`);
      }
      await sandbox.writeFile("probe.txt", "probe-ok");
      if ((await sandbox.readFile("probe.txt")) !== "probe-ok") throw new Error("a file written in the workspace did not read back");
    } finally {
      await sandbox.close();
    }
    return impl;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

export async function chooseMode(config: ProbeConfig, candidates: ModeCandidates, options: ProbeOptions): Promise<ModeChoice> {
  const tryBwrap = () => prove(candidates.bwrap, "id -u && echo sandbox-ok", /^65534\nsandbox-ok\n/, options);
  const tryVirtual = () => prove(candidates.virtual, "echo sandbox-ok", /^sandbox-ok\n/, options);
  const virtualNote = "commands run in just-bash (a bash interpreter without real processes) over a virtual file system";

  switch (config.SANDBOX_MODE) {
    case "unsafe-host": {
      if (config.NODE_ENV === "production" || !config.ALLOW_UNSAFE_SANDBOX) {
        throw new AppError(
          "NOT_CONFIGURED",
          "SANDBOX_MODE=unsafe-host runs model-written commands on the host unsandboxed: it needs ALLOW_UNSAFE_SANDBOX=true and is refused when NODE_ENV=production",
        );
      }
      const impl = await candidates.unsafeHost();
      return {
        mode: "unsafe-host",
        reason: `SANDBOX_MODE=unsafe-host with ALLOW_UNSAFE_SANDBOX=true (NODE_ENV=${config.NODE_ENV}): commands run on the host WITHOUT a sandbox, only with a clean environment, rlimits and deadlines`,
        impl,
      };
    }
    case "bwrap": {
      const impl = await tryBwrap().catch((e) => {
        throw new AppError("NOT_CONFIGURED", `SANDBOX_MODE=bwrap, but bubblewrap cannot run here: ${messageOf(e)}`);
      });
      return { mode: "bwrap", reason: "SANDBOX_MODE=bwrap; a probe command ran under bubblewrap as uid 65534", impl };
    }
    case "virtual": {
      const impl = await tryVirtual().catch((e) => {
        throw new AppError("NOT_CONFIGURED", `SANDBOX_MODE=virtual, but the virtual shell cannot start: ${messageOf(e)}`);
      });
      return { mode: "virtual", reason: `SANDBOX_MODE=virtual: ${virtualNote}`, impl };
    }
    case "auto": {
      let bwrapProblem: string;
      try {
        const impl = await tryBwrap();
        return { mode: "bwrap", reason: "auto: a probe command ran under bubblewrap (new user, PID and network namespaces, uid 65534)", impl };
      } catch (e) {
        bwrapProblem = messageOf(e);
      }
      const impl = await tryVirtual().catch((e) => {
        throw new AppError(
          "NOT_CONFIGURED",
          `no sandbox can run here: bubblewrap failed (${bwrapProblem}) and the virtual shell failed (${messageOf(e)})`,
        );
      });
      return { mode: "virtual", reason: `auto: bubblewrap cannot run here (${bwrapProblem}); ${virtualNote}`, impl };
    }
  }
}
