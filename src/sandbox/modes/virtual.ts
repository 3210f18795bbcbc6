// Virtual mode, for hosts that refuse namespaces (Modal's gVisor, Docker's default seccomp profile): the
// model's commands are interpreted by just-bash in a child process (virtualShell/virtualShellProcess.ts), so no real
// process runs model-written text at all; its sqlite3 is served here by the killable query runner.
import { fork } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { z } from "zod";
import { AppError, messageOf } from "../../errors.js";
import { nodeEntry } from "../childEntry.js";
import { fileLimits } from "../shell/supervisorProcess.js";
import { relativeInside } from "../fileTools.js";
import type { SandboxLimits } from "../limits.js";
import { checkDatabase, COMMAND_ENV, composeSandbox, newSandboxId, SHELL_WORKDIR as WORKDIR, shellDbPath, type Mode } from "../composeSandbox.js";
import { execResultSchema, fileReplySchema, ShellSession, type ShellEvents, type ShellProcess, type StartShell } from "../shell/shellSession.js";
import type { ReadonlyQueryRunner } from "../types.js";
import type { ToChild, VirtualShellConfig } from "../virtualShell/virtualShellProcess.js";
import { createWorkspace, sandboxOwner, type Workspace } from "../disk/hostWorkspace.js";

const { resolveNoLinks } = createRequire(import.meta.url)("../shell/supervisor.cjs") as {
  resolveNoLinks: (nodeFs: typeof fs, root: string, rel: string, makeParents: boolean) => string;
};

const DIAGNOSTICS_BYTES = 4096;

const fromChild = z.discriminatedUnion("type", [
  z.object({ type: z.literal("result"), id: z.number().int(), result: execResultSchema }),
  z.object({ type: z.literal("file"), id: z.number().int(), reply: fileReplySchema }),
  z.object({ type: z.literal("query"), id: z.number().int(), path: z.string(), sql: z.string(), timeoutMs: z.number() }),
]);

export interface VirtualModeOptions {
  baseDir: string;
  limits: SandboxLimits;
  runQuery: ReadonlyQueryRunner;
  sqlTimeoutMs: number;
}

export function virtualMode(options: VirtualModeOptions): Mode {
  const { baseDir, limits } = options;
  const owner = sandboxOwner();
  return {
    async create({ dbPath, signal }) {
      const db = await checkDatabase(dbPath);
      const workspace = await createWorkspace(baseDir, owner);
      const config: VirtualShellConfig = {
        tag: newSandboxId(),
        work: workspace.work,
        tmp: workspace.tmp,
        workdir: WORKDIR,
        dbFd: CHILD_DB_FD,
        dbShell: shellDbPath(db),
        env: COMMAND_ENV,
        maxTimeoutMs: limits.maxTimeoutMs,
        maxFileBytes: limits.maxFileBytes,
        maxOutputBytes: limits.maxOutputBytes,
        workspaceBytes: limits.workspaceBytes,
        files: fileLimits(limits),
      };
      const shell = new ShellSession(startVirtualShell(config, db, workspace, options), limits);
      return composeSandbox({ mode: "virtual", id: config.tag, workdir: WORKDIR, dbPath: config.dbShell, workspace, shell, limits, signal });
    },
  };
}

/** The database's fd in the virtual shell's process: after stdin, stdout, stderr and the IPC channel. */
const CHILD_DB_FD = 4;

function startVirtualShell(config: VirtualShellConfig, db: string, workspace: Workspace, options: VirtualModeOptions): StartShell {
  const mounts: Array<[string, string]> = [
    [config.workdir, workspace.work],
    ["/tmp", workspace.tmp],
  ];
  /**
   * The host file a database path in the shell names: the task's database, or a file in /work or /tmp. No link is
   * followed (the virtual shell makes none, and this process runs nothing else in the workspace meanwhile).
   */
  function hostPath(shellPath: string): string {
    if (shellPath === config.dbShell) return db;
    for (const [prefix, root] of mounts) {
      if (shellPath.startsWith(`${prefix}/`)) {
        try {
          return resolveNoLinks(fs, root, relativeInside(shellPath, prefix), false);
        } catch {
          break;
        }
      }
    }
    throw new AppError("NOT_FOUND", `unable to open database "${shellPath}"`);
  }

  return (events: ShellEvents): ShellProcess => {
    const entry = nodeEntry(new URL("../virtualShell/virtualShellProcess.js", import.meta.url));
    const dbFd = fs.openSync(db, fs.constants.O_RDONLY);
    let child: ReturnType<typeof fork>;
    try {
      child = fork(entry.script, [JSON.stringify(config)], {
        execArgv: [...entry.execArgv, "--max-old-space-size=512"],
        // No secrets, nothing from the service's environment.
        env: {},
        cwd: "/",
        serialization: "advanced",
        stdio: ["ignore", "ignore", "pipe", "ipc", dbFd],
        ...(sandboxOwner() ?? {}),
      });
    } finally {
      fs.closeSync(dbFd);
    }
    // Aborted when the command that asked for them is over (answered or killed).
    let queries = new AbortController();
    let diagnostics = "";
    let markExited: () => void = () => undefined;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const send = (message: ToChild) => {
      if (child.connected) child.send(message);
    };

    async function answer(id: number, path: string, sql: string, timeoutMs: number): Promise<void> {
      try {
        const result = await options.runQuery(hostPath(path), sql, {
          timeoutMs: Math.min(timeoutMs, options.sqlTimeoutMs),
          signal: queries.signal,
          shownPath: path,
        });
        send({ type: "query-result", id, result });
      } catch (e) {
        send({ type: "query-error", id, message: messageOf(e) });
      }
    }

    child.on("message", (raw) => {
      const message = fromChild.safeParse(raw);
      if (!message.success) return;
      const data = message.data;
      if (data.type === "result") {
        queries.abort();
        queries = new AbortController();
        events.reply(data.id, { result: data.result });
      } else if (data.type === "file") events.reply(data.id, { file: data.reply });
      else void answer(data.id, data.path, data.sql, data.timeoutMs);
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      if (diagnostics.length < DIAGNOSTICS_BYTES) diagnostics = (diagnostics + chunk).slice(0, DIAGNOSTICS_BYTES);
    });
    child.on("error", (error) => {
      diagnostics += `${error.message}\n`;
    });
    child.on("exit", () => {
      queries.abort();
      markExited();
      events.exit();
    });
    return {
      send: (request) =>
        send(
          request.op === "exec"
            ? { type: "exec", id: request.id, command: request.command, timeoutMs: request.timeoutMs }
            : { type: "file", id: request.id, request },
        ),
      kill: () => {
        queries.abort();
        child.kill("SIGKILL");
      },
      diagnostics: () => diagnostics,
      exited,
    };
  };
}
