// What every mode shares: a run's workspace, its path-checked file API, its shell, and one way to end it.
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { AppError } from "../errors.js";
import { workspaceFiles } from "./files.js";
import type { SandboxLimits } from "./limits.js";
import type { ShellHost } from "./shellHost.js";
import type { Sandbox, SandboxMode } from "./types.js";
import type { Workspace } from "./workspace.js";

export interface CreateOptions {
  dbPath: string;
  signal?: AbortSignal;
}

/** Creates one run's sandbox in one mode. */
export type CreateSandbox = (options: CreateOptions) => Promise<Sandbox>;

/** A mode ready to create sandboxes (what it learnt of the host is set up once). */
export interface Mode {
  create: CreateSandbox;
}

/** The workspace as every sandbox's shell names it. */
export const SHELL_WORKDIR = "/work";

/** The environment every command starts with, and nothing else: no secret reaches a command. */
export const COMMAND_ENV = {
  PATH: "/usr/local/bin:/usr/bin:/bin",
  HOME: SHELL_WORKDIR,
  TMPDIR: "/tmp",
  LANG: "C.UTF-8",
  TERM: "dumb",
};

/** Where the database appears inside every sandbox. */
export const shellDbPath = (dbPath: string) => `/data/${basename(dbPath)}`;

/** The database file a run is given must exist: a sandbox without it is no use to the agent. */
export async function checkDatabase(dbPath: string): Promise<string> {
  const absolute = resolve(dbPath);
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile()) throw new AppError("NOT_CONFIGURED", `the database ${absolute} does not exist`);
  return absolute;
}

export interface SandboxParts {
  mode: SandboxMode;
  workdir: string;
  dbPath: string;
  workspace: Workspace;
  shell: ShellHost;
  limits: SandboxLimits;
  signal?: AbortSignal;
}

export function composeSandbox(parts: SandboxParts): Sandbox {
  const { workspace, shell, limits } = parts;
  const files = workspaceFiles({
    root: workspace.work,
    shellPath: parts.workdir,
    owner: workspace.owner,
    maxReadBytes: limits.maxReadBytes,
    maxWriteBytes: limits.maxFileBytes,
    maxListEntries: limits.maxListEntries,
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= shell.close().then(() => workspace.remove());
    return closing;
  };
  parts.signal?.addEventListener("abort", () => void close().catch(() => undefined), { once: true });
  return {
    mode: parts.mode,
    workdir: parts.workdir,
    dbPath: parts.dbPath,
    exec: (command, options) => shell.exec(command, options),
    ...files,
    close,
  };
}
