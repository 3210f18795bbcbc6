// What one bash_exec and one file call may use, sized for an SQL agent (small outputs, short commands); the
// limits a setting changes come from config.
import type { Config } from "../config.js";

export interface SandboxLimits {
  /** Deadline of a command when the caller gives none. */
  timeoutMs: number;
  /** The longest deadline a caller may ask for. */
  maxTimeoutMs: number;
  /** Cap on each of stdout and stderr; a command that prints more is cut there and killed. */
  maxOutputBytes: number;
  /** The longest command text accepted. */
  maxCommandBytes: number;
  /** RLIMIT_NPROC inside bubblewrap (the supervisor's own threads count too). */
  maxProcesses: number;
  /** RLIMIT_AS of every command. */
  maxMemoryBytes: number;
  /** RLIMIT_FSIZE of every command. */
  maxFileBytes: number;
  /** The largest content write_file accepts. */
  maxWriteBytes: number;
  /** What one run's workspace (/work and /tmp together) may hold. */
  workspaceBytes: number;
  /** What the workspaces of all runs at once may hold: a run that would pass it is refused. */
  totalWorkspaceBytes: number;
  /** RLIMIT_NOFILE of every command. */
  maxOpenFiles: number;
  /** The largest file read_file returns whole; bigger ones are read in parts with head/sed. */
  maxReadBytes: number;
  /** Entries list_dir returns at most. */
  maxListEntries: number;
}

type SettingLimits = "timeoutMs" | "maxOutputBytes" | "workspaceBytes" | "totalWorkspaceBytes";

/** What no setting changes. */
const FIXED: Omit<SandboxLimits, SettingLimits> = {
  maxTimeoutMs: 10 * 60_000,
  maxCommandBytes: 256 * 1024,
  maxProcesses: 128,
  maxMemoryBytes: 1024 * 1024 * 1024,
  maxFileBytes: 64 * 1024 * 1024,
  maxWriteBytes: 1024 * 1024,
  maxOpenFiles: 256,
  maxReadBytes: 1024 * 1024,
  maxListEntries: 2000,
};

export function limitsFromConfig(
  config: Pick<Config, "SANDBOX_EXEC_TIMEOUT_MS" | "SANDBOX_MAX_OUTPUT_BYTES" | "SANDBOX_WORKSPACE_BYTES" | "SANDBOX_TOTAL_WORKSPACE_BYTES">,
  overrides: Partial<SandboxLimits> = {},
): SandboxLimits {
  return {
    ...FIXED,
    timeoutMs: config.SANDBOX_EXEC_TIMEOUT_MS,
    maxTimeoutMs: Math.max(FIXED.maxTimeoutMs, config.SANDBOX_EXEC_TIMEOUT_MS),
    maxOutputBytes: config.SANDBOX_MAX_OUTPUT_BYTES,
    workspaceBytes: config.SANDBOX_WORKSPACE_BYTES,
    totalWorkspaceBytes: config.SANDBOX_TOTAL_WORKSPACE_BYTES,
    ...overrides,
  };
}
