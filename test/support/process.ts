// Child processes of the real service, for tests of start-up, configuration and shutdown.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnService(command: string, args: string[], env: Record<string, string>, cwd = process.cwd()): Spawned {
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env } });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Polls until the URL answers 200, or throws with the process's output once the deadline passes. */
export async function waitForHttp(url: string, spawned: Spawned, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) throw new Error(`service exited early:\n${spawned.output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`service did not answer ${url} in time:\n${spawned.output()}`);
}

/** SIGTERM, then SIGKILL if it has not drained in 15 s; resolves once it has exited. */
export async function stopService(spawned: Spawned): Promise<void> {
  if (spawned.child.exitCode !== null) return;
  spawned.child.kill("SIGTERM");
  const timer = setTimeout(() => spawned.child.kill("SIGKILL"), 15_000);
  await spawned.exited;
  clearTimeout(timer);
}

/** Resident memory of a live process, now and at its peak (Linux: /proc/<pid>/status), in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status)![1]) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}
