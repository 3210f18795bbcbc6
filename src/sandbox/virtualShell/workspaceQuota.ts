// The virtual shell's disk quota. Bubblewrap's workspace is a tmpfs with a size; the virtual shell's is a host
// directory, so its writes are counted here instead: every write reserves its bytes before it happens (an
// estimate that only ever counts too much), and after each command the workspace is measured again.
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { IFileSystem } from "just-bash";

/** What one directory entry costs besides its bytes, so that a flood of empty files still runs out. */
const ENTRY_BYTES = 512;
/** Past this many entries a measurement stops: the workspace is full anyway. */
const MAX_ENTRIES = 100_000;

const full = (limit: number) =>
  Object.assign(new Error(`ENOSPC: no space left on device (the workspace holds at most ${limit} bytes)`), { code: "ENOSPC" });

export class WorkspaceQuota {
  private used = 0;

  constructor(
    readonly limit: number,
    private readonly dirs: string[],
  ) {
    this.recount();
  }

  /** Takes `bytes` (negative: gives back) or throws ENOSPC, taking nothing. */
  reserve(bytes: number): void {
    if (bytes > 0 && this.used + bytes > this.limit) throw full(this.limit);
    this.used = Math.max(0, this.used + bytes);
  }

  /** Measures the workspace as it is on disk. */
  recount(): void {
    let total = 0;
    let entries = 0;
    const walk = (dir: string) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        if (++entries > MAX_ENTRIES) return;
        const path = join(dir, name);
        let info;
        try {
          info = lstatSync(path);
        } catch {
          continue;
        }
        total += info.size + ENTRY_BYTES;
        if (info.isDirectory()) walk(path);
      }
    };
    for (const dir of this.dirs) walk(dir);
    this.used = entries > MAX_ENTRIES ? Math.max(total, this.limit) : total;
  }
}

const byteLength = (content: unknown) =>
  typeof content === "string" ? Buffer.byteLength(content) : content instanceof Uint8Array ? content.byteLength : 0;

/** Bytes under `path` in `fs`, as far as the quota goes (a copy of more could not fit anyway). */
async function sizeOf(fs: IFileSystem, path: string, budget: number): Promise<number> {
  const info = await fs.lstat(path);
  if (!info.isDirectory) return info.size + ENTRY_BYTES;
  let total = ENTRY_BYTES;
  for (const name of await fs.readdir(path)) {
    if (total > budget) break;
    total += await sizeOf(fs, `${path.replace(/\/$/, "")}/${name}`, budget - total);
  }
  return total;
}

/** `fs` with every write that adds data or entries reserved against the quota first. */
export function withQuota(fs: IFileSystem, quota: WorkspaceQuota): IFileSystem {
  const take = (bytes: number) => quota.reserve(bytes);
  const guarded: Partial<IFileSystem> = {
    writeFile: async (path, content, options) => {
      take(byteLength(content) + ENTRY_BYTES);
      return fs.writeFile(path, content, options);
    },
    appendFile: async (path, content, options) => {
      take(byteLength(content));
      return fs.appendFile(path, content, options);
    },
    mkdir: async (path, options) => {
      take(ENTRY_BYTES);
      return fs.mkdir(path, options);
    },
    cp: async (src, dest, options) => {
      take(await sizeOf(fs, src, quota.limit));
      return fs.cp(src, dest, options);
    },
    symlink: async (target, linkPath) => {
      take(ENTRY_BYTES);
      return fs.symlink(target, linkPath);
    },
    link: async (existing, newPath) => {
      take(ENTRY_BYTES);
      return fs.link(existing, newPath);
    },
  };
  return new Proxy(fs, {
    get(target, key) {
      if (typeof key === "string" && key in guarded) return guarded[key as keyof IFileSystem];
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
