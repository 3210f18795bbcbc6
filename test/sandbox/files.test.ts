// The path-checked workspace file API, on a real directory with real symlinks.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relativeInside, workspaceFiles, type WorkspaceFiles } from "../../src/sandbox/files.js";
import { tempDir } from "./fixtures.js";

describe("the workspace file API", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  let outside: string;
  let files: WorkspaceFiles;

  beforeAll(async () => {
    dir = await tempDir("sema4-files-");
    root = join(dir.path, "work");
    outside = join(dir.path, "outside");
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(join(outside, "secret.txt"), "secret");
    writeFileSync(join(root, "big.txt"), "x".repeat(2000));
    symlinkSync(join(outside, "secret.txt"), join(root, "to-secret"));
    symlinkSync(outside, join(root, "to-outside"));
    symlinkSync("big.txt", join(root, "to-big"));
    files = workspaceFiles({ root, shellPath: "/work", maxReadBytes: 1000, maxWriteBytes: 100, maxListEntries: 3 });
  });
  afterAll(() => dir?.remove());

  it("turns the shell's view of a path into a workspace-relative one", () => {
    expect(relativeInside("a/b/../c.txt", "/work")).toBe("a/c.txt");
    expect(relativeInside("/work/a.txt", "/work")).toBe("a.txt");
    expect(relativeInside("/work", "/work")).toBe(".");
    for (const bad of ["../a", "a/../../b", "/etc/passwd", "/workshop/a", "", "a\0b"]) {
      expect(() => relativeInside(bad, "/work"), bad).toThrow();
    }
  });

  it("writes, reads and lists inside, creating folders", async () => {
    await files.writeFile("notes/today.md", "héllo");
    expect(readFileSync(join(root, "notes", "today.md"), "utf8")).toBe("héllo");
    expect(await files.readFile("/work/notes/today.md")).toBe("héllo");
    expect(await files.listDir("notes")).toEqual([{ name: "today.md", type: "file", size: 6 }]);
  });

  it("follows a symlink that stays inside, and refuses one that leaves", async () => {
    await files.writeFile("small.txt", "ok");
    symlinkSync("small.txt", join(root, "to-small"));
    expect(await files.readFile("to-small")).toBe("ok");
    await expect(files.readFile("to-secret")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(files.readFile("to-outside/secret.txt")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(files.listDir("to-outside")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(files.writeFile("to-outside/new.txt", "x")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(files.writeFile("to-secret", "overwritten")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(existsSync(join(outside, "new.txt"))).toBe(false);
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
  });

  it("refuses paths that leave the workspace", async () => {
    await expect(files.readFile("../outside/secret.txt")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(files.readFile("/etc/hostname")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(files.writeFile("../escaped.txt", "x")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(files.listDir("..")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(existsSync(join(dir.path, "escaped.txt"))).toBe(false);
  });

  it("says what is wrong with a missing file, a directory, or one too big", async () => {
    await expect(files.readFile("missing.txt")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(files.readFile("notes")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(files.readFile("to-big")).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE", message: expect.stringContaining("head") });
    await expect(files.writeFile("huge.txt", "y".repeat(101))).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(existsSync(join(root, "huge.txt"))).toBe(false);
  });

  it("lists at most the configured number of entries, symlinks as other", async () => {
    const listed = await files.listDir(".");
    expect(listed).toHaveLength(3);
    expect(listed.map((e) => e.name)).toEqual(["big.txt", "notes", "small.txt"]);
    expect((await files.listDir("/work")).find((e) => e.name === "notes")).toMatchObject({ type: "dir" });
  });
});
