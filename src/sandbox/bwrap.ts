// Bubblewrap mode: one sandboxed supervisor per run executes all of that run's commands, so the namespaces
// are set up once per run. Inside: new user/PID/network/IPC/UTS/cgroup namespaces, uid 65534, read-only
// /usr (+ the /bin, /lib* links and a minimal /etc), the database read-only at /data/<name>, the workspace
// read-write at /work, a private /tmp, no environment but what the supervisor hands each command, and
// rlimits on every command. When the service runs as root, bubblewrap itself runs as nobody (65534), so
// not even a kernel bug in the namespaces leaves a process with the service's uid.
import { execFile } from "node:child_process";
import { lstat, readlink, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { AppError } from "../errors.js";
import type { SandboxLimits } from "./limits.js";
import {
  checkDatabase,
  COMMAND_ENV,
  composeSandbox,
  SHELL_WORKDIR as WORKDIR,
  shellDbPath,
  type CreateSandbox,
  type Mode,
} from "./runSandbox.js";
import { ShellHost } from "./shellHost.js";
import { commandLimits, maxResultLineBytes, startSupervisor, SUPERVISOR_SOURCE, type SupervisorConfig } from "./supervisor.js";
import { createWorkspace, sandboxOwner } from "./workspace.js";

const NODE_INSIDE = "/sandbox/node";
const ROOT_LINKS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
// Debian's `awk` and friends are symlinks through /etc/alternatives; the loader wants its cache.
const ETC_BINDS = ["/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"];
const PASSWD = "root:x:0:0:root:/:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/work:/bin/bash\n";
const GROUP = "root:x:0:\nnogroup:x:65534:\n";

export interface BwrapModeOptions {
  bwrapPath: string;
  baseDir: string;
  limits: SandboxLimits;
}

export async function bwrapMode(options: BwrapModeOptions): Promise<Mode> {
  const { bwrapPath, baseDir, limits } = options;
  const help = await promisify(execFile)(bwrapPath, ["--help"], { env: {}, timeout: 10_000 }).catch((e: unknown) => {
    throw new AppError("NOT_CONFIGURED", `bubblewrap (${bwrapPath}) cannot run: ${(e as Error).message}`);
  });
  const layout = await hostLayout();
  const owner = sandboxOwner();
  const extra = help.stdout.includes("--disable-userns") ? ["--disable-userns"] : [];

  const create: CreateSandbox = async ({ dbPath, signal }) => {
    const db = await checkDatabase(dbPath);
    if (owner) await requireWorldReadable(db);
    const workspace = await createWorkspace(baseDir, owner);
    // Beside work/ and tmp/, outside the sandbox's reach; removed with the workspace.
    const passwd = join(workspace.root, "passwd");
    const group = join(workspace.root, "group");
    await writeFile(passwd, PASSWD, { mode: 0o644 });
    await writeFile(group, GROUP, { mode: 0o644 });
    const config: SupervisorConfig = {
      tag: `sema4-sandbox-${basename(workspace.root)}`,
      workdir: WORKDIR,
      env: COMMAND_ENV,
      reapAll: true,
      limits: commandLimits(limits, true),
    };
    // prettier-ignore
    const args = [
      "--unshare-all", "--unshare-user", ...extra, "--die-with-parent", "--new-session",
      "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
      ...layout,
      "--ro-bind", passwd, "/etc/passwd",
      "--ro-bind", group, "/etc/group",
      "--proc", "/proc",
      "--dev", "/dev",
      "--bind", workspace.tmp, "/tmp",
      "--bind", workspace.work, WORKDIR,
      "--ro-bind", db, shellDbPath(db),
      "--ro-bind", process.execPath, NODE_INSIDE,
      // The root and /dev are tmpfs (memory): nothing but /work and /tmp may be written.
      "--remount-ro", "/dev",
      "--remount-ro", "/",
      "--chdir", WORKDIR,
      "--clearenv",
      "--", NODE_INSIDE, "--max-old-space-size=64", "-e", SUPERVISOR_SOURCE, JSON.stringify(config),
    ];
    const shell = new ShellHost(
      startSupervisor({
        command: bwrapPath,
        args,
        options: { cwd: "/", env: { PATH: "/usr/bin:/bin" }, ...(owner ?? {}) },
        maxLineBytes: maxResultLineBytes(limits.maxOutputBytes),
      }),
      limits,
    );
    return composeSandbox({ mode: "bwrap", workdir: WORKDIR, dbPath: shellDbPath(db), workspace, shell, limits, signal });
  };

  return { create };
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

async function requireWorldReadable(db: string): Promise<void> {
  const { mode } = await stat(db);
  if ((mode & 0o004) === 0) {
    throw new AppError("NOT_CONFIGURED", `the sandbox runs as nobody (uid 65534) and cannot read ${db}: make it world-readable`);
  }
}
