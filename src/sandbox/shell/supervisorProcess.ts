// Starting a run's supervisor (supervisor.cjs) and speaking its line protocol: inside the run's outer
// bubblewrap sandbox, or bare on the host in unsafe-host mode.
import { spawn, type SpawnOptions } from "node:child_process";
import { closeSync, readFileSync } from "node:fs";
import type { Writable } from "node:stream";
import { z } from "zod";
import type { SandboxLimits } from "../limits.js";
import { execResultSchema, fileReplySchema, type ShellEvents, type ShellProcess, type StartShell } from "./shellSession.js";

export interface SupervisorConfig {
  /** A tag in the supervisor's argv, so its processes can be found (tests, operators). */
  tag: string;
  workdir: string;
  env: Record<string, string>;
  /**
   * How a command runs: `nested` under a bubblewrap of its own (these arguments, these files made from data,
   * then `--info-fd 3 -- bash …`),
   * `direct` as bash in a process group of its own (unsafe-host: no sandbox).
   */
  runner: { kind: "nested"; bwrap: string; args: string[]; data: Array<{ path: string; content: string }> } | { kind: "direct" };
  limits: {
    addressSpaceKb: number;
    fileBlocks: number;
    openFiles: number;
    /** Omitted outside a user namespace of its own, where RLIMIT_NPROC would count the host user's processes. */
    processes?: number;
  };
  files: { maxReadBytes: number; maxWriteBytes: number; maxListEntries: number };
}

/** The supervisor's text, run with `node -e` (no project file is reachable where it runs). */
export const SUPERVISOR_SOURCE = readFileSync(new URL("./supervisor.cjs", import.meta.url), "utf8");

const replyLine = z.union([
  z.object({ id: z.number().int(), result: execResultSchema }),
  z.object({ id: z.number().int(), file: fileReplySchema }),
]);

/** What the supervisor's process is given from fd 3 on: open files (closed here once handed over), or data. */
export type ExtraFd = { fd: number } | { data: string };

export interface SupervisorLaunch {
  command: string;
  args: string[];
  options: SpawnOptions;
  /** The largest result line to accept: output caps times JSON's worst-case escaping, plus room. */
  maxLineBytes: number;
  /** Called at every (re)start: fds 3, 4, … of the new process, in order. */
  extraFds?: () => ExtraFd[];
}

const DIAGNOSTICS_BYTES = 4096;

/** Starts a supervisor (inside bubblewrap, or bare on the host) and speaks its line protocol. */
export function startSupervisor(launch: SupervisorLaunch): StartShell {
  return (events: ShellEvents): ShellProcess => {
    const extra = launch.extraFds?.() ?? [];
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(launch.command, launch.args, {
        ...launch.options,
        detached: true,
        stdio: ["pipe", "pipe", "pipe", ...extra.map((e) => ("fd" in e ? e.fd : "pipe"))],
      });
    } finally {
      for (const e of extra) if ("fd" in e) closeSync(e.fd);
    }
    extra.forEach((e, i) => {
      const pipe = child.stdio[3 + i] as Writable | null;
      pipe?.on("error", () => undefined);
      if ("data" in e) pipe?.end(e.data);
    });
    let diagnostics = "";
    let pending = "";
    let dead = false;
    const kill = () => {
      if (dead) return;
      dead = true;
      // SIGTERM lets a bare supervisor kill its command's group; under bubblewrap, the namespace dies with it.
      child.kill("SIGTERM");
      const hard = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 500);
      hard.unref();
    };
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      pending += chunk;
      for (let i = pending.indexOf("\n"); i >= 0; i = pending.indexOf("\n")) {
        const parsed = replyLine.safeParse(safeJson(pending.slice(0, i)));
        pending = pending.slice(i + 1);
        if (parsed.success) {
          const { id, ...reply } = parsed.data;
          events.reply(id, reply);
        }
      }
      if (pending.length > launch.maxLineBytes) kill();
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      if (diagnostics.length < DIAGNOSTICS_BYTES) diagnostics = (diagnostics + chunk).slice(0, DIAGNOSTICS_BYTES);
    });
    // Writes to a supervisor that has just died fail with EPIPE; its exit is reported below.
    child.stdin!.on("error", () => undefined);
    let exited = false;
    let markExited: () => void = () => undefined;
    const exitedPromise = new Promise<void>((resolve) => (markExited = resolve));
    const exit = () => {
      if (exited) return;
      exited = dead = true;
      markExited();
      events.exit();
    };
    child.on("error", (error) => {
      diagnostics += `${error.message}\n`;
      if (child.pid === undefined) exit();
    });
    child.on("close", exit);
    return {
      send: (request) => child.stdin!.write(`${JSON.stringify(request)}\n`),
      kill,
      diagnostics: () => diagnostics,
      exited: exitedPromise,
    };
  };
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The rlimits a supervisor sets on each command; RLIMIT_NPROC only where the sandbox has its own user namespace. */
export function commandLimits(limits: SandboxLimits, countProcesses: boolean): SupervisorConfig["limits"] {
  return {
    addressSpaceKb: Math.floor(limits.maxMemoryBytes / 1024),
    fileBlocks: Math.floor(limits.maxFileBytes / 1024),
    openFiles: limits.maxOpenFiles,
    ...(countProcesses ? { processes: limits.maxProcesses } : {}),
  };
}

/** The largest reply line to accept: both output caps (or a whole read file) at JSON's worst-case escaping. */
export function maxResultLineBytes(limits: Pick<SandboxLimits, "maxOutputBytes" | "maxReadBytes">): number {
  return 6 * Math.max(2 * limits.maxOutputBytes, limits.maxReadBytes) + 64 * 1024;
}

/** What the supervisor's file operations may read, write and list. */
export function fileLimits(limits: SandboxLimits): SupervisorConfig["files"] {
  return { maxReadBytes: limits.maxReadBytes, maxWriteBytes: limits.maxFileBytes, maxListEntries: limits.maxListEntries };
}
