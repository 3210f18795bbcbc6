// Virtual mode, for hosts that refuse namespaces (Modal's gVisor, Docker's default seccomp profile): the
// model's commands are interpreted by just-bash in a child process (virtualShellChild.ts), so no real
// process runs model-written text at all; its sqlite3 is served here by the killable query runner.
import { fork } from "node:child_process";
import { z } from "zod";
import { AppError, messageOf } from "../errors.js";
import { nodeEntry } from "./childEntry.js";
import { relativeInside, resolveInside } from "./files.js";
import type { SandboxLimits } from "./limits.js";
import { checkDatabase, COMMAND_ENV, composeSandbox, SHELL_WORKDIR as WORKDIR, shellDbPath, type Mode } from "./runSandbox.js";
import { execResultSchema, ShellHost, type ShellEvents, type ShellProcess, type StartShell } from "./shellHost.js";
import type { ReadonlyQueryRunner } from "./types.js";
import type { ToChild, VirtualShellConfig } from "./virtualShellChild.js";
import { createWorkspace, sandboxOwner, type Owner, type Workspace } from "./workspace.js";

const DIAGNOSTICS_BYTES = 4096;

const fromChild = z.discriminatedUnion("type", [
  z.object({ type: z.literal("result"), id: z.number().int(), result: execResultSchema }),
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
        work: workspace.work,
        tmp: workspace.tmp,
        workdir: WORKDIR,
        dbHost: db,
        dbShell: shellDbPath(db),
        env: COMMAND_ENV,
        maxTimeoutMs: limits.maxTimeoutMs,
        maxFileBytes: limits.maxFileBytes,
        maxOutputBytes: limits.maxOutputBytes,
      };
      const shell = new ShellHost(startVirtualShell(config, workspace, owner, options), limits);
      return composeSandbox({ mode: "virtual", workdir: WORKDIR, dbPath: config.dbShell, workspace, shell, limits, signal });
    },
  };
}

function startVirtualShell(config: VirtualShellConfig, workspace: Workspace, owner: Owner | undefined, options: VirtualModeOptions): StartShell {
  const mounts: Array<[string, string]> = [
    [config.workdir, workspace.work],
    ["/tmp", workspace.tmp],
  ];
  /** The host file a database path in the shell names: the task's database, or a file in /work or /tmp. */
  async function hostPath(shellPath: string): Promise<string> {
    if (shellPath === config.dbShell) return config.dbHost;
    for (const [prefix, root] of mounts) {
      if (shellPath.startsWith(`${prefix}/`)) return resolveInside(root, relativeInside(shellPath, prefix), shellPath, prefix);
    }
    throw new AppError("NOT_FOUND", `unable to open database "${shellPath}"`);
  }

  return (events: ShellEvents): ShellProcess => {
    const entry = nodeEntry("virtualShellChild");
    const child = fork(entry.script, [JSON.stringify(config)], {
      execArgv: [...entry.execArgv, "--max-old-space-size=512"],
      // No secrets, nothing from the service's environment.
      env: {},
      cwd: "/",
      serialization: "advanced",
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      ...(owner ?? {}),
    });
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
        const result = await options.runQuery(await hostPath(path), sql, {
          timeoutMs: Math.min(timeoutMs, options.sqlTimeoutMs),
          signal: queries.signal,
        });
        send({ type: "query-result", id, result });
      } catch (e) {
        send({ type: "query-error", id, message: messageOf(e) });
      }
    }

    child.on("message", (raw) => {
      const message = fromChild.safeParse(raw);
      if (!message.success) return;
      if (message.data.type === "result") {
        queries.abort();
        queries = new AbortController();
        events.result(message.data.id, message.data.result);
      } else void answer(message.data.id, message.data.path, message.data.sql, message.data.timeoutMs);
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
      send: (request) => send({ type: "exec", id: request.id, command: request.command, timeoutMs: request.timeoutMs }),
      kill: () => {
        queries.abort();
        child.kill("SIGKILL");
      },
      diagnostics: () => diagnostics,
      exited,
    };
  };
}
