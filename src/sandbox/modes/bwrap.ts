// Bubblewrap mode: two sandboxes, one inside the other.
//
// The run's sandbox (outer) lives as long as the run: new user, PID, network, IPC, UTS and cgroup namespaces,
// uid 65534, read-only /usr (+ the /bin, /lib* links and a minimal /etc), the database read-only at
// /data/<name>, and the workspace (a command's /work and /tmp) on a tmpfs of SANDBOX_WORKSPACE_BYTES that exists
// only in this sandbox: no host directory is written, and nothing is left on disk when the run or the service dies.
// The only process in it is the supervisor (supervisor.cjs), which does the run's file operations itself.
//
// Each command gets a sandbox of its own (inner), started by the supervisor: new user and PID namespaces (so
// it cannot see, signal or trace the supervisor, and has no capability over it), no further user namespaces,
// the outer sandbox's view read-only but /work and /tmp. When the command's PID 1 exits, the kernel kills what
// is left, before the supervisor replies.
//
// When the service runs as root, bubblewrap itself runs as nobody (65534), and the database is bound from a
// staged path nobody can reach (stagedDatabases.ts), so a private DATA_DIR (0700) needs no opening up.
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, lstat, readlink } from "node:fs/promises";
import { basename, delimiter, isAbsolute, join } from "node:path";
import { promisify } from "node:util";
import { AppError } from "../../errors.js";
import type { SandboxLimits } from "../limits.js";
import {
  checkDatabase,
  COMMAND_ENV,
  composeSandbox,
  newSandboxId,
  SHELL_WORKDIR as WORKDIR,
  shellDbPath,
  type CreateSandbox,
  type Mode,
} from "../composeSandbox.js";
import { ShellSession } from "../shell/shellSession.js";
import {
  commandLimits,
  fileLimits,
  maxResultLineBytes,
  startSupervisor,
  SUPERVISOR_SOURCE,
  type ExtraFd,
  type SupervisorConfig,
} from "../shell/supervisorProcess.js";
import { stagedDatabases } from "../disk/stagedDatabases.js";
import { sandboxOwner } from "../disk/hostWorkspace.js";

const NODE_INSIDE = "/sandbox/node";
const BWRAP_INSIDE = "/sandbox/bwrap";
/** The tmpfs behind a command's /work and /tmp (bubblewrap binds from the view of the sandbox it runs in). */
const DISK = "/sandbox/disk";
const DISK_WORK = `${DISK}/work`;
const DISK_TMP = `${DISK}/tmp`;
const ROOT_LINKS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
// Debian's `awk` and friends are symlinks through /etc/alternatives; the loader wants its cache.
const ETC_BINDS = ["/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"];
const PASSWD = "root:x:0:0:root:/:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/work:/bin/bash\n";
const GROUP = "root:x:0:\nnogroup:x:65534:\n";

export interface BwrapModeOptions {
  bwrapPath: string;
  limits: SandboxLimits;
  /** Where databases are staged for a sandbox that runs as another user (see stagedDatabases.ts). */
  baseDir: string;
}

export async function bwrapMode(options: BwrapModeOptions): Promise<Mode> {
  const { limits } = options;
  const bwrap = await findExecutable(options.bwrapPath);
  const help = await promisify(execFile)(bwrap, ["--help"], { env: {}, timeout: 10_000 }).catch((e: unknown) => {
    throw new AppError("NOT_CONFIGURED", `bubblewrap (${options.bwrapPath}) cannot run: ${(e as Error).message}`);
  });
  for (const flag of ["--size", "--info-fd", "--disable-userns", "--ro-bind-data"]) {
    if (!help.stdout.includes(flag)) throw new AppError("NOT_CONFIGURED", `bubblewrap ${bwrap} is too old: it has no ${flag} (0.8 or later has)`);
  }
  const layout = await hostLayout();
  const owner = sandboxOwner();
  const staged = owner ? stagedDatabases(options.baseDir) : undefined;

  const create: CreateSandbox = async ({ dbPath, signal }) => {
    const db = await checkDatabase(dbPath);
    const dbInside = shellDbPath(db);
    const dbSource = staged ? await staged.path(db) : db;
    const config: SupervisorConfig = {
      tag: newSandboxId(),
      workdir: DISK_WORK,
      env: COMMAND_ENV,
      runner: {
        kind: "nested",
        bwrap: BWRAP_INSIDE,
        args: innerArgs(layout, dbInside),
        data: [
          { path: "/etc/passwd", content: PASSWD },
          { path: "/etc/group", content: GROUP },
        ],
      },
      limits: commandLimits(limits, true),
      files: fileLimits(limits),
    };
    // fds 3 and 4 of bubblewrap.
    const extraFds = (): ExtraFd[] => [{ data: PASSWD }, { data: GROUP }];
    // prettier-ignore
    const args = [
      "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
      "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
      ...layout,
      "--perms", "0644", "--ro-bind-data", "3", "/etc/passwd",
      "--perms", "0644", "--ro-bind-data", "4", "/etc/group",
      "--proc", "/proc",
      "--dev", "/dev",
      // bubblewrap (the command's, inside) mounts its new root on /tmp before anything else.
      "--dir", "/tmp",
      "--dir", "/sandbox", "--size", String(limits.workspaceBytes), "--tmpfs", DISK,
      "--dir", DISK_WORK, "--dir", DISK_TMP,
      "--ro-bind", dbSource, dbInside,
      "--ro-bind", process.execPath, NODE_INSIDE,
      "--ro-bind", bwrap, BWRAP_INSIDE,
      // The root and /dev are tmpfs (memory): nothing but the workspace may be written.
      "--remount-ro", "/dev",
      "--remount-ro", "/",
      "--chdir", DISK_WORK,
      "--clearenv",
      "--", NODE_INSIDE, "--max-old-space-size=64", "-e", SUPERVISOR_SOURCE, JSON.stringify(config),
    ];
    const shell = new ShellSession(
      startSupervisor({
        command: bwrap,
        args,
        options: { cwd: "/", env: { PATH: "/usr/bin:/bin" }, ...(owner ?? {}) },
        maxLineBytes: maxResultLineBytes(limits),
        extraFds,
      }),
      limits,
    );
    return composeSandbox({ mode: "bwrap", id: config.tag, workdir: WORKDIR, dbPath: dbInside, shell, limits, signal });
  };

  return { create, close: async () => staged?.close() };
}

/**
 * A command's own sandbox, inside the run's: the same read-only layout (its sources are the run sandbox's own
 * paths), the database, the workspace read-write at /work and /tmp, fresh /proc and /dev. /sandbox (the
 * supervisor's node and bubblewrap, the workspace's tmpfs) is not in it.
 */
function innerArgs(layout: string[], dbInside: string): string[] {
  // prettier-ignore
  return [
    "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
    "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
    ...layout,
    "--ro-bind", dbInside, dbInside,
    "--bind", DISK_WORK, WORKDIR,
    "--bind", DISK_TMP, "/tmp",
    "--proc", "/proc",
    "--dev", "/dev",
    "--remount-ro", "/",
    "--chdir", WORKDIR,
  ];
}

/** Binds for the host's root links (merged /usr: /bin -> usr/bin) or directories, and what /etc must offer. */
async function hostLayout(): Promise<string[]> {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const path of ROOT_LINKS) {
    const info = await lstat(path).catch(() => undefined);
    if (info?.isSymbolicLink()) args.push("--symlink", await readlink(path), path);
    else if (info?.isDirectory()) args.push("--ro-bind", path, path);
  }
  for (const path of ETC_BINDS) {
    if (await lstat(path).catch(() => undefined)) args.push("--ro-bind", path, path);
  }
  return args;
}

/** The absolute path of an executable named as a path or found on PATH (it is opened and handed over as an fd). */
async function findExecutable(name: string): Promise<string> {
  const candidates = isAbsolute(name) || name.includes("/") ? [name] : (process.env.PATH ?? "/usr/bin:/bin").split(delimiter).map((d) => join(d, name));
  for (const candidate of candidates) {
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  throw new AppError("NOT_CONFIGURED", `bubblewrap (${basename(name)}) is not installed or not executable (looked for ${candidates.join(", ")})`);
}
