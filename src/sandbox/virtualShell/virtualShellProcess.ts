// The virtual shell's process: just-bash (a bash interpreter in TypeScript, no real processes) over a
// virtual file system with the workspace at /work, a private /tmp, the database read-only at /data/<name>
// and nothing else. It runs apart from the service so that the host can kill it at a deadline, bound its
// memory, and start it with no environment (and as nobody when the service is root). Its sqlite3 asks
// the host, whose query runner can kill a runaway query. It also does the run's file operations (the same
// ones as bubblewrap's supervisor), between commands, and keeps the workspace within its quota.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { Bash, InMemoryFs, MountableFs, ReadWriteFs, type IFileSystem } from "just-bash";
import type { FileReply, FileRequest } from "../shell/shellSession.js";
import type { ExecResult, QueryResult } from "../types.js";
import { sqlite3Command } from "./sqlite3Command.js";
import { WorkspaceQuota, withQuota } from "./workspaceQuota.js";

const { fileOps } = createRequire(import.meta.url)("../shell/supervisor.cjs") as {
  fileOps: (
    nodeFs: typeof fs,
    root: string,
    limits: { maxReadBytes: number; maxWriteBytes: number; maxListEntries: number; reserve(bytes: number): void },
  ) => (request: FileRequest) => FileReply;
};

export interface VirtualShellConfig {
  /** The run's id, in this process's command line. */
  tag: string;
  work: string;
  tmp: string;
  workdir: string;
  /** The database, open read-only on this fd (its directory may be closed to this process's user). */
  dbFd: number;
  dbShell: string;
  env: Record<string, string>;
  maxTimeoutMs: number;
  maxFileBytes: number;
  maxOutputBytes: number;
  workspaceBytes: number;
  files: { maxReadBytes: number; maxWriteBytes: number; maxListEntries: number };
}

export type ToChild =
  | { type: "exec"; id: number; command: string; timeoutMs: number }
  | { type: "file"; id: number; request: FileRequest }
  | { type: "query-result"; id: number; result: QueryResult }
  | { type: "query-error"; id: number; message: string };

export type FromChild =
  | { type: "result"; id: number; result: ExecResult }
  | { type: "file"; id: number; reply: FileReply }
  | { type: "query"; id: number; path: string; sql: string; timeoutMs: number };

const QUERY_MARGIN_MS = 250;
const WRITES = new Set(["writeFile", "appendFile", "mkdir", "rm", "cp", "mv", "chmod", "symlink", "link", "utimes"]);

/** `fs` refusing every write, but those to `sinks` (/dev/null), which vanish. */
function readOnly(fs: IFileSystem, sinks: ReadonlySet<string> = new Set()): IFileSystem {
  return new Proxy(fs, {
    get(target, key) {
      if (typeof key === "string" && WRITES.has(key)) {
        return async (path: string) => {
          if ((key === "writeFile" || key === "appendFile") && sinks.has(path)) return;
          throw Object.assign(new Error(`EROFS: read-only file system, '${path}'`), { code: "EROFS" });
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The whole database, read from its fd each time the shell opens it. */
function readDatabase(config: VirtualShellConfig): Buffer {
  const { size } = fs.fstatSync(config.dbFd);
  if (size > config.maxFileBytes) throw new Error(`EFBIG: ${config.dbShell} is too large to read whole`);
  const buffer = Buffer.alloc(size);
  for (let at = 0; at < size; ) {
    const n = fs.readSync(config.dbFd, buffer, at, size - at, at);
    if (n === 0) break;
    at += n;
  }
  return buffer;
}

function buildFs(config: VirtualShellConfig, quota: WorkspaceQuota): IFileSystem {
  const dbName = config.dbShell.slice(config.dbShell.lastIndexOf("/"));
  const database = new InMemoryFs({ [dbName]: async () => readDatabase(config) });
  const limits = { maxFileReadSize: config.maxFileBytes, maxCopySize: config.maxFileBytes };
  return new MountableFs({
    base: readOnly(new InMemoryFs({ "/dev/null": "" }), new Set(["/dev/null"])),
    mounts: [
      { mountPoint: config.workdir, filesystem: withQuota(new ReadWriteFs({ root: config.work, ...limits }), quota) },
      { mountPoint: "/tmp", filesystem: withQuota(new ReadWriteFs({ root: config.tmp, ...limits }), quota) },
      { mountPoint: config.dbShell.slice(0, config.dbShell.lastIndexOf("/")), filesystem: readOnly(database) },
    ],
  });
}

function main(config: VirtualShellConfig, send: (message: FromChild) => void): (message: ToChild) => void {
  const pending = new Map<number, { resolve(r: QueryResult): void; reject(e: Error): void }>();
  let nextQuery = 1;
  let deadline = 0;
  const query = (path: string, sql: string) =>
    new Promise<QueryResult>((resolve, reject) => {
      const id = nextQuery++;
      pending.set(id, { resolve, reject });
      // A little past the command's own deadline, so that the command (not the query) reports the timeout.
      send({ type: "query", id, path, sql, timeoutMs: Math.max(1, deadline - Date.now()) + QUERY_MARGIN_MS });
    });
  const { maxOutputBytes } = config;
  const quota = new WorkspaceQuota(config.workspaceBytes, [config.work, config.tmp]);
  const files = fileOps(fs, config.work, { ...config.files, reserve: (bytes) => quota.reserve(bytes) });
  const bash = new Bash({
    fs: buildFs(config, quota),
    cwd: config.workdir,
    env: config.env,
    customCommands: [sqlite3Command({ query, dbShellPath: config.dbShell })],
    // Past this, just-bash drops a command's output entirely: leave room above the cap kept below.
    executionLimits: { maxExecutionTimeMs: config.maxTimeoutMs, maxOutputSize: 4 * maxOutputBytes },
  });

  async function exec(command: string, timeoutMs: number): Promise<ExecResult> {
    deadline = Date.now() + timeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    let result: { stdout: string; stderr: string; exitCode: number };
    try {
      result = await bash.exec(command, { signal, cwd: config.workdir });
    } catch (e) {
      // just-bash throws (rather than reporting) some failed redirections, e.g. onto the read-only /data.
      result = { stdout: "", stderr: `bash: ${(e as Error).message}\n`, exitCode: 1 };
    }
    const cut = (s: string) => (Buffer.byteLength(s) > maxOutputBytes ? Buffer.from(s).subarray(0, maxOutputBytes).toString("utf8") : s);
    // What the command wrote is counted exactly again, whatever was estimated while it ran.
    quota.recount();
    const overLimit = /output size limit exceeded/.test(result.stderr);
    return {
      stdout: cut(result.stdout),
      stderr: cut(result.stderr),
      exitCode: result.exitCode,
      truncated: overLimit || Buffer.byteLength(result.stdout) > maxOutputBytes || Buffer.byteLength(result.stderr) > maxOutputBytes,
      timedOut: signal.aborted,
    };
  }

  let queue = Promise.resolve();
  return (message) => {
    if (message.type === "exec") {
      queue = queue.then(async () => send({ type: "result", id: message.id, result: await exec(message.command, message.timeoutMs) }));
    } else if (message.type === "file") {
      queue = queue.then(() => send({ type: "file", id: message.id, reply: files(message.request) }));
    } else {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.type === "query-result") waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.message));
    }
  };
}

if (process.send) {
  const config = JSON.parse(process.argv[process.argv.length - 1]) as VirtualShellConfig;
  const handle = main(config, (message) => process.send!(message));
  process.on("message", (message: ToChild) => handle(message));
  process.on("disconnect", () => process.exit(0));
}
