// The agent's read_file / write_file / list_dir: paths resolve inside the workspace and nowhere else.
// Symlinks are followed only while they stay inside; the final open uses O_NOFOLLOW on the resolved path.
// The check and the open are not atomic, but no sandboxed process outlives its command (bubblewrap kills
// the whole PID namespace's leftovers, the virtual shell has no background processes), so nothing can swap
// a path between them while a file call runs.
import { constants } from "node:fs";
import { chown, lstat, mkdir, open, readdir, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, posix, sep } from "node:path";
import { AppError } from "../errors.js";
import type { Sandbox } from "./types.js";
import type { Owner } from "./workspace.js";

export type WorkspaceFiles = Pick<Sandbox, "readFile" | "writeFile" | "listDir">;

export interface WorkspaceFilesOptions {
  /** The workspace's path on the host. */
  root: string;
  /** The same directory as the shell names it (e.g. /work): absolute paths under it are accepted too. */
  shellPath: string;
  owner?: Owner;
  maxReadBytes: number;
  maxWriteBytes: number;
  maxListEntries: number;
}

const outside = (path: string, shellPath: string) =>
  new AppError("BAD_REQUEST", `"${path}" is outside the workspace; use a path relative to ${shellPath}`);

/** The workspace-relative form of a path the model gave, or an error if it names anything outside. */
export function relativeInside(path: string, shellPath: string): string {
  if (typeof path !== "string" || path.length === 0) throw new AppError("BAD_REQUEST", "a path is required");
  if (path.length > 4096 || path.includes("\0")) throw new AppError("BAD_REQUEST", "the path is not valid");
  let rel = path;
  if (isAbsolute(path)) {
    if (path !== shellPath && !path.startsWith(`${shellPath}/`)) throw outside(path, shellPath);
    rel = path.slice(shellPath.length + 1);
  }
  const normal = posix.normalize(rel === "" ? "." : rel);
  if (normal === ".." || normal.startsWith("../")) throw outside(path, shellPath);
  return normal;
}

const isInside = (real: string, rootReal: string) => real === rootReal || real.startsWith(rootReal + sep);

/**
 * The host path a workspace-relative path names, with every existing component's symlinks resolved;
 * refused when that leaves the workspace. Components that do not exist yet are appended unresolved.
 */
export async function resolveInside(root: string, rel: string, shownAs: string, shellPath: string): Promise<string> {
  const rootReal = await realpath(root);
  const missing: string[] = [];
  let probe = join(rootReal, rel);
  for (;;) {
    try {
      const real = await realpath(probe);
      if (!isInside(real, rootReal)) throw outside(shownAs, shellPath);
      return join(real, ...missing);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" || probe === rootReal) throw translate(e, shownAs);
      missing.unshift(basename(probe));
      probe = dirname(probe);
    }
  }
}

function translate(e: unknown, path: string): unknown {
  switch ((e as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return new AppError("NOT_FOUND", `no such file or directory: ${path}`);
    case "ENOTDIR":
      return new AppError("BAD_REQUEST", `a component of ${path} is not a directory`);
    case "EISDIR":
      return new AppError("BAD_REQUEST", `${path} is a directory`);
    case "ELOOP":
      return new AppError("BAD_REQUEST", `${path} is a symbolic link`);
    case "EACCES":
    case "EPERM":
      return new AppError("FORBIDDEN", `permission denied: ${path}`);
    default:
      return e;
  }
}

async function mkdirsOwned(dir: string, owner: Owner | undefined): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o755 });
  if (!owner || first === undefined) return;
  for (let d = dir; d.length >= first.length; d = dirname(d)) await chown(d, owner.uid, owner.gid);
}

export function workspaceFiles(options: WorkspaceFilesOptions): WorkspaceFiles {
  const { root, shellPath, owner } = options;
  const resolve = (path: string) => resolveInside(root, relativeInside(path, shellPath), path, shellPath);

  return {
    async readFile(path) {
      const real = await resolve(path);
      const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e) => {
        throw translate(e, path);
      });
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new AppError("BAD_REQUEST", `${path} is not a regular file`);
        if (stat.size > options.maxReadBytes) {
          throw new AppError(
            "PAYLOAD_TOO_LARGE",
            `${path} is ${stat.size} bytes, over the ${options.maxReadBytes}-byte limit; read parts of it with head, tail or sed`,
          );
        }
        return (await handle.readFile()).toString("utf8");
      } finally {
        await handle.close();
      }
    },

    async writeFile(path, content) {
      if (typeof content !== "string") throw new AppError("BAD_REQUEST", "content must be a string");
      const bytes = Buffer.from(content, "utf8");
      if (bytes.length > options.maxWriteBytes) {
        throw new AppError("PAYLOAD_TOO_LARGE", `content is ${bytes.length} bytes, over the ${options.maxWriteBytes}-byte limit`);
      }
      const real = await resolve(path);
      await mkdirsOwned(dirname(real), owner).catch((e) => {
        throw translate(e, path);
      });
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
      const handle = await open(real, flags, 0o644).catch((e) => {
        throw translate(e, path);
      });
      try {
        await handle.writeFile(bytes);
        if (owner) await handle.chown(owner.uid, owner.gid);
      } finally {
        await handle.close();
      }
    },

    async listDir(path) {
      const real = await resolve(path === "" ? "." : path);
      const entries = await readdir(real, { withFileTypes: true }).catch((e) => {
        throw translate(e, path);
      });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const listed = [];
      for (const entry of entries.slice(0, options.maxListEntries)) {
        const stat = await lstat(join(real, entry.name)).catch(() => undefined);
        if (!stat) continue;
        const type = stat.isFile() ? "file" : stat.isDirectory() ? "dir" : "other";
        listed.push({ name: entry.name, type, size: stat.size } as const);
      }
      return listed;
    },
  };
}
