// The sandbox, as the rest of the service sees it: createSandboxFactory probes the host once at start-up,
// logs the mode it chose and why, and then creates one sandbox per agent run. It also owns the killable
// query runner for model-written SQL.
import { tmpdir } from "node:os";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { bwrapMode } from "./bwrap.js";
import { hostMode } from "./hostShell.js";
import { limitsFromConfig, type SandboxLimits } from "./limits.js";
import { chooseMode } from "./probe.js";
import { createQueryRunner } from "./sqlRunner.js";
import type { SandboxFactory } from "./types.js";
import { virtualMode } from "./virtual.js";

export type { ExecResult, QueryResult, ReadonlyQueryRunner, Sandbox, SandboxFactory, SandboxMode } from "./types.js";
export { queryErrorReason, type QueryErrorReason } from "./sqlRunner.js";

export interface SandboxFactoryOptions {
  /** The bubblewrap binary (default: `bwrap` on PATH). */
  bwrapPath?: string;
  /** Where run workspaces are made (default: the OS temp directory). */
  baseDir?: string;
  limits?: Partial<SandboxLimits>;
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
>;

export async function createSandboxFactory(
  config: SandboxConfig,
  logger: Logger,
  options: SandboxFactoryOptions = {},
): Promise<SandboxFactory> {
  const limits = limitsFromConfig(config, options.limits);
  const baseDir = options.baseDir ?? tmpdir();
  const queries = createQueryRunner({ timeoutMs: config.SQL_TIMEOUT_MS, maxRows: config.SQL_MAX_ROWS, logger });
  let choice;
  try {
    choice = await chooseMode(
      config,
      {
        bwrap: () => bwrapMode({ bwrapPath: options.bwrapPath ?? "bwrap", baseDir, limits }),
        virtual: async () => virtualMode({ baseDir, limits, runQuery: queries.run, sqlTimeoutMs: config.SQL_TIMEOUT_MS }),
        unsafeHost: async () => hostMode({ baseDir, limits }),
      },
      baseDir,
    );
  } catch (e) {
    await queries.close();
    throw e;
  }
  const { mode, reason, impl } = choice;
  if (mode === "unsafe-host") logger.warn({ mode, reason }, "sandbox: model-written commands will run UNSANDBOXED on this host");
  else logger.info({ mode, reason }, "sandbox mode chosen");
  return {
    mode,
    reason,
    create: impl.create,
    runQuery: queries.run,
    async close() {
      await queries.close();
    },
  };
}
