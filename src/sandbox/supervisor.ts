// The supervisor: a small Node program that lives as long as a run and executes that run's commands, so a
// sandbox is set up once per run, not once per command. It reads one JSON request per line on stdin, runs
// the command with bash in a process group of its own under rlimits, cuts output at the cap, kills the
// group at the deadline, and writes one JSON result per line on stdout.
//
// It is source text, not a module: bubblewrap runs it with `node -e` inside a sandbox that contains no
// project files, and no TypeScript toolchain may rewrite it on the way there.
import { spawn, type SpawnOptions } from "node:child_process";
import { z } from "zod";
import type { SandboxLimits } from "./limits.js";
import { execResultSchema, type ShellEvents, type ShellProcess, type StartShell } from "./shellHost.js";

export interface SupervisorConfig {
  /** A tag in the supervisor's argv, so its processes can be found (tests, operators). */
  tag: string;
  workdir: string;
  env: Record<string, string>;
  /** In a PID namespace of its own: after each command, kill every process but itself (stray daemons). */
  reapAll: boolean;
  limits: {
    addressSpaceKb: number;
    fileBlocks: number;
    openFiles: number;
    /** Omitted outside a user namespace of its own, where RLIMIT_NPROC would count the host user's processes. */
    processes?: number;
  };
}

export const SUPERVISOR_SOURCE = String.raw`
"use strict";
const { spawn } = require("node:child_process");
const { constants } = require("node:os");
const config = JSON.parse(process.argv[process.argv.length - 1]);
const waiting = [];
let current = null;
let input = "";

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
  for (let i = input.indexOf("\n"); i >= 0; i = input.indexOf("\n")) {
    const line = input.slice(0, i);
    input = input.slice(i + 1);
    if (line.trim() !== "") waiting.push(line);
  }
  next();
});
const quit = (code) => {
  if (current) killGroup(current);
  process.exit(code);
};
process.stdin.on("end", () => quit(0));
process.on("SIGTERM", () => quit(143));

function killGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {}
}

function prelude(timeoutMs) {
  const l = config.limits;
  const cpuSeconds = Math.ceil(timeoutMs / 1000) + 1;
  let limits = "-c 0 -t " + cpuSeconds + " -v " + l.addressSpaceKb + " -f " + l.fileBlocks + " -n " + l.openFiles;
  if (l.processes) limits += " -u " + l.processes;
  return "ulimit " + limits + " || exit 126\n__c=$1; shift; eval \"unset __c; $__c\"";
}

function next() {
  if (current || waiting.length === 0) return;
  let request;
  try {
    request = JSON.parse(waiting.shift());
  } catch {
    return next();
  }
  run(request);
}

function run(request) {
  const child = spawn("/bin/bash", ["-c", prelude(request.timeoutMs), "bash", request.command], {
    cwd: config.workdir,
    env: config.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  current = child;
  const streams = { stdout: [], stderr: [] };
  const sizes = { stdout: 0, stderr: 0 };
  let truncated = false;
  let timedOut = false;
  let grace = null;
  const collect = (name) => (chunk) => {
    const room = request.maxOutputBytes - sizes[name];
    if (chunk.length > room) {
      if (room > 0) streams[name].push(chunk.subarray(0, room));
      sizes[name] = request.maxOutputBytes;
      truncated = true;
      killGroup(child);
    } else {
      streams[name].push(chunk);
      sizes[name] += chunk.length;
    }
  };
  child.stdout.on("data", collect("stdout"));
  child.stderr.on("data", collect("stderr"));
  const deadline = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, request.timeoutMs);
  let answered = false;
  const answer = (exitCode, extraStderr) => {
    if (answered) return;
    answered = true;
    clearTimeout(deadline);
    clearTimeout(grace);
    current = null;
    const result = {
      id: request.id,
      stdout: Buffer.concat(streams.stdout).toString("utf8"),
      stderr: Buffer.concat(streams.stderr).toString("utf8") + extraStderr,
      exitCode,
      truncated,
      timedOut,
    };
    process.stdout.write(JSON.stringify(result) + "\n", () => next());
  };
  child.on("error", (error) => answer(127, "sandbox: " + error.message + "\n"));
  child.on("exit", () => {
    killGroup(child);
    if (config.reapAll) {
      try {
        process.kill(-1, "SIGKILL");
      } catch {}
    }
    // A process that escaped the group may still hold the pipes open: stop waiting for it.
    grace = setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
    }, 300);
  });
  child.on("close", (code, signal) => answer(code ?? 128 + (constants.signals[signal] ?? 0), ""));
}
`;

const resultLine = execResultSchema.extend({ id: z.number().int() });

export interface SupervisorLaunch {
  command: string;
  args: string[];
  options: SpawnOptions;
  /** The largest result line to accept: output caps times JSON's worst-case escaping, plus room. */
  maxLineBytes: number;
}

const DIAGNOSTICS_BYTES = 4096;

/** Starts a supervisor (inside bubblewrap, or bare on the host) and speaks its line protocol. */
export function startSupervisor(launch: SupervisorLaunch): StartShell {
  return (events: ShellEvents): ShellProcess => {
    const child = spawn(launch.command, launch.args, { ...launch.options, detached: true, stdio: ["pipe", "pipe", "pipe"] });
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
        const parsed = resultLine.safeParse(safeJson(pending.slice(0, i)));
        pending = pending.slice(i + 1);
        if (parsed.success) {
          const { id, ...result } = parsed.data;
          events.result(id, result);
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

export function maxResultLineBytes(maxOutputBytes: number): number {
  return 2 * 6 * maxOutputBytes + 64 * 1024;
}
