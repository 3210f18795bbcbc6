// The host's hold on a run's shell process: its own deadline, cancellation, restarts, one command at a time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../../src/config.js";
import { limitsFromConfig } from "../../../src/sandbox/limits.js";
import { ShellSession } from "../../../src/sandbox/shell/shellSession.js";
import { startSupervisor } from "../../../src/sandbox/shell/supervisorProcess.js";
import type { Sandbox, SandboxFactory } from "../../../src/sandbox/types.js";
import { factoryFor, hostProcessesMentioning, makeGoldDb, tempDir, TEST_MODES } from "../fixtures.js";

const hostOver = (command: string, args: string[]) =>
  new ShellSession(startSupervisor({ command, args, options: { env: {} }, maxLineBytes: 1024 * 1024 }), limitsFromConfig(testConfig()));

describe("a shell process that misbehaves", () => {
  it("is killed when it does not answer by the deadline", async () => {
    const host = hostOver("/bin/sh", ["-c", "echo $$ >&2; exec sleep 1000"]);
    const result = await host.exec("echo hi", { timeoutMs: 100 });
    expect(result).toMatchObject({ timedOut: true, exitCode: 137, stdout: "" });
    expect(result.stderr).toContain("restarted");
    await host.close();
  });

  it("is killed with everything it started when the sandbox closes", async () => {
    const mark = `1000.${Date.now()}`;
    const host = hostOver("/bin/sh", ["-c", `sleep ${mark}; echo never`]);
    const pending = host.exec("echo hi", { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await expect.poll(() => hostProcessesMentioning(mark).length).toBe(2);
    await host.close();
    expect(await pending).toMatchObject({ code: "CANCELLED" });
    await expect.poll(() => hostProcessesMentioning(mark).length, { timeout: 3_000 }).toBe(0);
  });

  it("that cannot start is reported with what it said", async () => {
    const host = hostOver("/bin/sh", ["-c", "echo namespaces refused >&2; exit 3"]);
    await expect(host.exec("echo hi")).rejects.toMatchObject({ code: "INTERNAL", message: expect.stringContaining("namespaces refused") });
    await host.close();
  });
});

describe.each(["unsafe-host", ...TEST_MODES.filter((m) => m === "bwrap")] as const)("the %s supervisor", (mode) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let factory: SandboxFactory;
  let sandbox: Sandbox;
  beforeAll(async () => {
    dir = await tempDir("sema4-shellhost-");
    factory = await factoryFor(mode);
    sandbox = await factory.create({ dbPath: makeGoldDb(dir.path) });
  });
  afterAll(async () => {
    await sandbox?.close();
    await factory?.close();
    await dir?.remove();
  });

  it("runs one command at a time, in order", async () => {
    const results = await Promise.all([1, 2, 3].map((i) => sandbox.exec(`sleep 0.0${i}; echo ${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(["1\n", "2\n", "3\n"]);
  });

  it("stops a command when its signal aborts, and runs the next", async () => {
    const controller = new AbortController();
    const running = sandbox.exec("echo $$; sleep 30", { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(running).rejects.toMatchObject({ code: "CANCELLED" });
    expect((await sandbox.exec("echo next")).stdout).toBe("next\n");
  });

  it("reports the exit code and both streams", async () => {
    expect(await sandbox.exec("echo out; echo err >&2; exit 7")).toEqual({
      stdout: "out\n",
      stderr: "err\n",
      exitCode: 7,
      truncated: false,
      timedOut: false,
    });
  });
});

// Only where a command can reach its supervisor at all (bubblewrap's cannot: escape-run.test.ts).
describe("the unsafe-host supervisor, killed by a command", () => {
  it("starts afresh, keeping the workspace", async () => {
    const dir = await tempDir("sema4-shellhost-");
    const factory = await factoryFor("unsafe-host");
    const sandbox = await factory.create({ dbPath: makeGoldDb(dir.path) });
    try {
      await sandbox.writeFile("kept.txt", "kept");
      const killed = await sandbox.exec("kill -9 $PPID; sleep 5");
      expect(killed.exitCode).toBe(137);
      expect(killed.stderr).toContain("restarts");
      expect((await sandbox.exec("cat kept.txt")).stdout).toBe("kept");
    } finally {
      await sandbox.close();
      await factory.close();
      await dir.remove();
    }
  });
});
