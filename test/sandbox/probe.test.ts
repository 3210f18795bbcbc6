// The start-up probe: the mode it picks, why, and what it refuses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig, type Config } from "../../src/config.js";
import { createSandboxFactory } from "../../src/sandbox/index.js";
import { factoryFor, makeGoldDb, silentLogger, tempDir, TEST_MODES } from "./fixtures.js";

const MISSING_BWRAP = "/nonexistent/bwrap";

describe("the sandbox probe", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let gold: string;
  beforeAll(async () => {
    dir = await tempDir("sema4-probe-test-");
    gold = makeGoldDb(dir.path);
  });
  afterAll(() => dir?.remove());

  const config = (overrides: Partial<Config>): Config => ({ ...testConfig(), ...overrides });

  it("picks bubblewrap where it runs (SANDBOX_TEST_MODES says whether it does here)", async () => {
    const factory = await createSandboxFactory(config({ SANDBOX_MODE: "auto" }), silentLogger);
    try {
      expect(factory.mode).toBe(TEST_MODES.includes("bwrap") ? "bwrap" : "virtual");
      expect(factory.reason).toMatch(/^auto: .*bubblewrap/);
    } finally {
      await factory.close();
    }
  });

  it("falls back to the virtual shell, saying why, when bubblewrap cannot run", async () => {
    const factory = await createSandboxFactory(config({ SANDBOX_MODE: "auto", ALLOW_UNSAFE_SANDBOX: true }), silentLogger, {
      bwrapPath: MISSING_BWRAP,
    });
    try {
      // Never unsafe-host in auto, even with the development flag set.
      expect(factory.mode).toBe("virtual");
      expect(factory.reason).toContain("bubblewrap cannot run here");
      expect(factory.reason).toContain(MISSING_BWRAP);
    } finally {
      await factory.close();
    }
  });

  it("refuses SANDBOX_MODE=bwrap where bubblewrap cannot run", async () => {
    await expect(
      createSandboxFactory(config({ SANDBOX_MODE: "bwrap" }), silentLogger, { bwrapPath: MISSING_BWRAP }),
    ).rejects.toMatchObject({ code: "NOT_CONFIGURED", message: expect.stringContaining("SANDBOX_MODE=bwrap") });
  });

  it("refuses unsafe-host without the development flag, and in production even with it", async () => {
    await expect(createSandboxFactory(config({ SANDBOX_MODE: "unsafe-host" }), silentLogger)).rejects.toMatchObject({
      code: "NOT_CONFIGURED",
    });
    const production = config({ SANDBOX_MODE: "unsafe-host", ALLOW_UNSAFE_SANDBOX: true, NODE_ENV: "production" });
    await expect(createSandboxFactory(production, silentLogger)).rejects.toMatchObject({ code: "NOT_CONFIGURED" });
    expect(() => testConfig({ SANDBOX_MODE: "unsafe-host", NODE_ENV: "production" })).toThrow(/production/);
  });

  it("runs unsafe-host only when asked, and says so", async () => {
    const factory = await factoryFor("unsafe-host");
    try {
      expect(factory.mode).toBe("unsafe-host");
      expect(factory.reason).toContain("WITHOUT a sandbox");
      const sandbox = await factory.create({ dbPath: gold });
      try {
        const r = await sandbox.exec("pwd; echo $HOME", { timeoutMs: 5_000 });
        expect(r.stdout).toBe(`${sandbox.workdir}\n${sandbox.workdir}\n`);
        expect(await sandbox.exec("sleep 100", { timeoutMs: 300 })).toMatchObject({ timedOut: true });
      } finally {
        await sandbox.close();
      }
    } finally {
      await factory.close();
    }
  });

  it("refuses a run whose database does not exist", async () => {
    const factory = await factoryFor("virtual");
    try {
      await expect(factory.create({ dbPath: `${dir.path}/missing.db` })).rejects.toMatchObject({ code: "NOT_CONFIGURED" });
    } finally {
      await factory.close();
    }
  });
});
