// What every mode shares: a run's shell, the file API it serves, its workspace, and one way to end it.
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { AppError } from "../errors.js";
import { sandboxFiles } from "./fileTools.js";
import type { SandboxLimits } from "./limits.js";
import type { ShellSession } from "./shell/shellSession.js";
import type { Sandbox, SandboxMode } from "./types.js";
import type { Workspace } from "./disk/hostWorkspace.js";

interface CreateOptions {
  dbPath: string;
  signal?: AbortSignal;
}

/** Creates one run's sandbox in one mode. */
export type CreateSandbox = (options: CreateOptions) => Promise<Sandbox>;

/** A mode ready to create sandboxes (what it learnt of the host is set up once). */
export interface Mode {
  create: CreateSandbox;
  /** Removes what the mode keeps for all of its runs. */
  close?(): Promise<void>;
}

let runs = 0;
/** A new run's id, unique in this service: `sema4-sandbox-<service pid>-<n>`. */
export const newSandboxId = () => `sema4-sandbox-${process.pid}-${++runs}`;

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
  id: string;
  workdir: string;
  dbPath: string;
  shell: ShellSession;
  limits: SandboxLimits;
  /** Host directories of the run (virtual and unsafe-host modes), removed once its shell is gone. */
  workspace?: Workspace;
  signal?: AbortSignal;
}

export function composeSandbox(parts: SandboxParts): Sandbox {
  const { workspace, shell, limits } = parts;
  const files = sandboxFiles({ shellPath: parts.workdir, limits, send: (request) => shell.file(request, parts.signal) });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= shell.close().then(() => workspace?.remove());
    return closing;
  };
  parts.signal?.addEventListener("abort", () => void close().catch(() => undefined), { once: true });
  return {
    mode: parts.mode,
    id: parts.id,
    workdir: parts.workdir,
    dbPath: parts.dbPath,
    exec: (command, options) => shell.exec(command, options),
    ...files,
    close,
  };
}
