// The agent's read_file / write_file / list_dir. The host only checks that a path names something inside the
// workspace; the file operation itself is done by the run's own shell process, on its own view of the
// workspace, between commands (supervisor.cjs: no link is followed, nothing else runs meanwhile).
import { isAbsolute, posix } from "node:path";
import { z } from "zod";
import { AppError } from "../errors.js";
import type { SandboxLimits } from "./limits.js";
import type { FileReply, FileRequest } from "./shell/shellSession.js";
import type { Sandbox } from "./types.js";

export type WorkspaceFiles = Pick<Sandbox, "readFile" | "writeFile" | "listDir">;

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
  return normal.replace(/\/+$/, "") || ".";
}

/** A failed file operation's errno-like code, as an error that tells the model what to do instead. */
function fileError(code: string, path: string, limits: Pick<SandboxLimits, "maxReadBytes">): AppError {
  switch (code) {
    case "ENOENT":
      return new AppError("NOT_FOUND", `no such file or directory: ${path}`);
    case "ENOTDIR":
      return new AppError("BAD_REQUEST", `a component of ${path} is not a directory`);
    case "EISDIR":
      return new AppError("BAD_REQUEST", `${path} is a directory`);
    case "ENOTREG":
      return new AppError("BAD_REQUEST", `${path} is not a regular file`);
    case "ELOOP":
      return new AppError("BAD_REQUEST", `${path} is or goes through a symbolic link; file tools do not follow links`);
    case "EFBIG":
      return new AppError(
        "PAYLOAD_TOO_LARGE",
        `${path} is over the ${limits.maxReadBytes}-byte limit; read parts of it with head, tail or sed`,
      );
    case "ENOSPC":
    case "EDQUOT":
      return new AppError("PAYLOAD_TOO_LARGE", `the workspace is full; remove files before writing ${path}`);
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new AppError("FORBIDDEN", `permission denied: ${path}`);
    default:
      return new AppError("INTERNAL", `${path}: the file operation failed (${code})`);
  }
}

const listing = z.array(z.object({ name: z.string(), type: z.enum(["file", "dir", "other"]), size: z.number() }));

export interface SandboxFilesOptions {
  /** The workspace as the shell names it (e.g. /work): absolute paths under it are accepted too. */
  shellPath: string;
  limits: Pick<SandboxLimits, "maxReadBytes" | "maxWriteBytes" | "maxListEntries">;
  /** Sends one operation to the run's shell process. */
  send(request: FileRequest): Promise<FileReply>;
}

export function sandboxFiles(options: SandboxFilesOptions): WorkspaceFiles {
  const { shellPath, limits } = options;
  const call = async (request: FileRequest, shownAs: string): Promise<unknown> => {
    const reply = await options.send(request);
    if (!reply.ok) throw fileError(reply.code, shownAs, limits);
    return reply.value;
  };

  return {
    async readFile(path) {
      return z.string().parse(await call({ op: "read", path: relativeInside(path, shellPath) }, path));
    },
    async writeFile(path, content) {
      if (typeof content !== "string") throw new AppError("BAD_REQUEST", "content must be a string");
      const size = Buffer.byteLength(content, "utf8");
      if (size > limits.maxWriteBytes) {
        throw new AppError("PAYLOAD_TOO_LARGE", `content is ${size} bytes, over the ${limits.maxWriteBytes}-byte limit`);
      }
      await call({ op: "write", path: relativeInside(path, shellPath), content }, path);
    },
    async listDir(path) {
      return listing.parse(await call({ op: "list", path: relativeInside(path === "" ? "." : path, shellPath) }, path));
    },
  };
}
