// The sandbox, as the rest of the service sees it: createSandboxFactory probes the host once at start-up (with
// the database the runs will get), logs the mode it chose and why, and then creates one sandbox per agent run,
// within the disk all runs may use together. It also owns the killable query runner for model-written SQL.
import { tmpdir } from "node:os";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { bwrapMode } from "./modes/bwrap.js";
import { hostMode } from "./modes/unsafeHost.js";
import { limitsFromConfig, type SandboxLimits } from "./limits.js";
import { chooseMode } from "./probe.js";
import { createQueryRunner } from "./sql/queryRunner.js";
import type { SandboxFactory } from "./types.js";
import { virtualMode } from "./modes/virtual.js";
import { diskBudget } from "./disk/diskBudget.js";
import { sweepLeftovers } from "./disk/hostWorkspace.js";

export type { SandboxFactory } from "./types.js";
export { queryErrorReason, type QueryErrorReason } from "./sql/queryRunner.js";

export interface SandboxFactoryOptions {
  /** The bubblewrap binary (default: `bwrap` on PATH). */
  bwrapPath?: string;
  /** Where the workspaces of the modes that keep them on disk are made (default: the OS temp directory). */
  baseDir?: string;
  limits?: Partial<SandboxLimits>;
  /** The database runs will be given: the probe proves a sandbox can open it (default: an empty one of its own). */
  probeDbPath?: string;
}

type SandboxConfig = Pick<
  Config,
  | "NODE_ENV"
  | "SANDBOX_MODE"
  | "ALLOW_UNSAFE_SANDBOX"
  | "SANDBOX_EXEC_TIMEOUT_MS"
  | "SANDBOX_MAX_OUTPUT_BYTES"
  | "SQL_TIMEOUT_MS"
  | "SQL_MAX_ROWS"
  | "SANDBOX_WORKSPACE_BYTES"
  | "SANDBOX_TOTAL_WORKSPACE_BYTES"
>;

export async function createSandboxFactory(
  config: SandboxConfig,
  logger: Logger,
  options: SandboxFactoryOptions = {},
): Promise<SandboxFactory> {
  const limits = limitsFromConfig(config, options.limits);
  const baseDir = options.baseDir ?? tmpdir();
  // What a service killed before it could clean up left behind (bubblewrap's workspaces never reach the disk).
  const swept = await sweepLeftovers(baseDir, "dead");
  if (swept > 0) logger.info({ swept, baseDir }, "sandbox: removed the workspaces of runs of a service that stopped");
  const queries = createQueryRunner({ timeoutMs: config.SQL_TIMEOUT_MS, maxRows: config.SQL_MAX_ROWS, logger });
  let choice;
  try {
    choice = await chooseMode(
      config,
      {
        bwrap: () => bwrapMode({ bwrapPath: options.bwrapPath ?? "bwrap", limits, baseDir }),
        virtual: async () => virtualMode({ baseDir, limits, runQuery: queries.run, sqlTimeoutMs: config.SQL_TIMEOUT_MS }),
        unsafeHost: async () => hostMode({ baseDir, limits }),
      },
      { baseDir, dbPath: options.probeDbPath },
    );
  } catch (e) {
    await queries.close();
    throw e;
  }
  const { mode, reason, impl } = choice;
  if (mode === "unsafe-host") logger.warn({ mode, reason }, "sandbox: model-written commands will run UNSANDBOXED on this host");
  else logger.info({ mode, reason }, "sandbox mode chosen");
  const disk = diskBudget(limits);
  return {
    mode,
    reason,
    async create(createOptions) {
      const release = disk.take();
      try {
        const sandbox = await impl.create(createOptions);
        const close = sandbox.close;
        return { ...sandbox, close: () => close().finally(release) };
      } catch (e) {
        release();
        throw e;
      }
    },
    runQuery: queries.run,
    async close() {
      await queries.close();
      await impl.close?.();
      await sweepLeftovers(baseDir, "ours");
    },
  };
}
