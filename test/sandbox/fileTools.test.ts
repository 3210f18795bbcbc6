// The workspace's file operations (supervisor.cjs, run inside every sandbox), on a real directory with real
// symlinks, FIFOs and swaps; and the host's check of the paths the model gives.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relativeInside } from "../../src/sandbox/fileTools.js";
import { tempDir } from "./fixtures.js";

type Reply = { ok: true; value: unknown } | { ok: false; code: string; message: string };
const { fileOps } = createRequire(import.meta.url)("../../src/sandbox/shell/supervisor.cjs") as {
  fileOps: (nodeFs: typeof fs, root: string, limits: object) => (request: object) => Reply;
};

describe("the workspace file operations", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  let outside: string;
  let run: (request: object) => Reply;
  const code = (request: object) => {
    const reply = run(request);
    return reply.ok ? "ok" : reply.code;
  };

  beforeAll(async () => {
    dir = await tempDir("sema4-files-");
    root = join(dir.path, "work");
    outside = join(dir.path, "outside");
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.writeFileSync(join(outside, "secret.txt"), "secret");
    fs.writeFileSync(join(root, "big.txt"), "x".repeat(2000));
    fs.writeFileSync(join(root, "small.txt"), "ok");
    fs.symlinkSync(join(outside, "secret.txt"), join(root, "to-secret"));
    fs.symlinkSync(outside, join(root, "to-outside"));
    fs.symlinkSync("small.txt", join(root, "to-small"));
    execFileSync("mkfifo", [join(root, "pipe")]);
    run = fileOps(fs, root, { maxReadBytes: 1000, maxWriteBytes: 100, maxListEntries: 4 });
  });
  afterAll(() => dir?.remove());

  it("writes, reads and lists inside, creating folders", () => {
    expect(run({ op: "write", path: "notes/today.md", content: "héllo" })).toEqual({ ok: true, value: null });
    expect(fs.readFileSync(join(root, "notes", "today.md"), "utf8")).toBe("héllo");
    expect(run({ op: "read", path: "notes/today.md" })).toEqual({ ok: true, value: "héllo" });
    expect(run({ op: "list", path: "notes" })).toEqual({ ok: true, value: [{ name: "today.md", type: "file", size: 6 }] });
    expect(run({ op: "write", path: "notes/today.md", content: "hi" })).toMatchObject({ ok: true });
    expect(fs.readFileSync(join(root, "notes", "today.md"), "utf8")).toBe("hi");
  });

  it("follows no symbolic link, whether it stays inside or leaves", () => {
    for (const path of ["to-small", "to-secret", "to-outside/secret.txt"]) expect(code({ op: "read", path }), path).toBe("ELOOP");
    expect(code({ op: "list", path: "to-outside" })).toBe("ELOOP");
    expect(code({ op: "write", path: "to-outside/new.txt", content: "x" })).toBe("ELOOP");
    expect(code({ op: "write", path: "to-secret", content: "overwritten" })).toBe("ELOOP");
    expect(fs.existsSync(join(outside, "new.txt"))).toBe(false);
    expect(fs.readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
  });

  it("opens a FIFO without blocking, and refuses it", () => {
    expect(code({ op: "read", path: "pipe" })).toBe("ENOTREG");
    expect(code({ op: "write", path: "pipe", content: "x" })).toBe("ENOTREG");
  });

  it("never writes through a directory swapped for a link, however often it is swapped", () => {
    // Nothing else runs while an operation runs (the supervisor's promise); were it to, each swap below
    // happens between two operations, and every operation checks every component again.
    const target = join(root, "swap");
    for (let i = 0; i < 200; i++) {
      fs.rmSync(target, { recursive: true, force: true });
      if (i % 2 === 0) fs.mkdirSync(target);
      else fs.symlinkSync(outside, target);
      const reply = run({ op: "write", path: "swap/f.txt", content: "x" });
      expect(reply.ok ? "ok" : reply.code).toBe(i % 2 === 0 ? "ok" : "ELOOP");
    }
    expect(fs.readdirSync(outside)).toEqual(["secret.txt"]);
  });

  it("says what is wrong with a missing file, a directory, or one too big", () => {
    expect(code({ op: "read", path: "missing.txt" })).toBe("ENOENT");
    expect(code({ op: "read", path: "notes" })).toBe("EISDIR");
    expect(code({ op: "read", path: "big.txt" })).toBe("EFBIG");
    expect(code({ op: "write", path: "huge.txt", content: "y".repeat(101) })).toBe("EFBIG");
    expect(code({ op: "write", path: "big.txt/x", content: "y" })).toBe("ENOTDIR");
    expect(fs.existsSync(join(root, "huge.txt"))).toBe(false);
  });

  it("lists at most the configured number of entries, links and FIFOs as other", () => {
    const listed = run({ op: "list", path: "." });
    expect(listed.ok && (listed.value as { name: string }[]).map((e) => e.name)).toEqual(["big.txt", "notes", "pipe", "small.txt"]);
    const all = fileOps(fs, root, { maxReadBytes: 1000, maxWriteBytes: 100, maxListEntries: 100 })({ op: "list", path: "." });
    expect(all.ok && (all.value as { name: string; type: string }[]).find((e) => e.name === "to-small")).toMatchObject({ type: "other" });
  });
});

describe("a path the model gives", () => {
  it("turns into a workspace-relative one, or is refused", () => {
    expect(relativeInside("a/b/../c.txt", "/work")).toBe("a/c.txt");
    expect(relativeInside("/work/a.txt", "/work")).toBe("a.txt");
    expect(relativeInside("/work", "/work")).toBe(".");
    expect(relativeInside("notes/", "/work")).toBe("notes");
    for (const bad of ["../a", "a/../../b", "/etc/passwd", "/workshop/a", "", "a\0b"]) {
      expect(() => relativeInside(bad, "/work"), bad).toThrow();
    }
  });
});
