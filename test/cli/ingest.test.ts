// npm run ingest as a real child process, writing to the local store of a temporary DATA_DIR.
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { LocalStore } from "../../src/recorder/localStore.js";
import { tau2Results, tempDir, trials, writeJson } from "../support/ingestFixtures.js";

const root = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

async function cli(args: string[], dataDir: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli/ingest.ts", ...args], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, BRAINTRUST_API_KEY: "", LOG_LEVEL: "warn" },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run ingest", () => {
  it("prints progress, the table of models with intervals, and the paired comparison", async () => {
    const dir = tempDir();
    const a = writeJson(dir, "a.json", tau2Results({ model: "gpt-5", tasks: ["a", "b", "c"], sims: trials({ a: [1, 1], b: [1, 0], c: [0, 0] }) }));
    const b = writeJson(
      dir,
      "b.json.gz",
      tau2Results({ model: "gpt-5.1-codex-max", tasks: ["a", "b", "c"], sims: trials({ a: [1, 1], b: [1, 1], c: [1, 1] }) }),
      { gzip: true },
    );
    const dataDir = join(dir, "data");
    const { code, stdout, stderr } = await cli([a, b, "--compare"], dataDir);
    expect(code).toBe(0);
    // Not a terminal: a line as each file and each experiment starts and ends, and no log line in JSON.
    const progress = stderr.trim().split("\n");
    expect(progress.some((l) => l.startsWith(`reading ${a} `))).toBe(true);
    expect(progress.some((l) => l.startsWith(`reading ${b} `))).toBe(true);
    expect(progress.some((l) => /^writing gpt-5-medium .* 3\/3 simulations$|^writing gpt-5-medium .* 6\/6 simulations$/.test(l))).toBe(true);
    expect(progress.some((l) => l.startsWith("writing gpt-5.1-codex-max-medium "))).toBe(true);
    expect(progress.filter((l) => l.startsWith("{"))).toEqual([]);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^experiment\s+domain\s+tasks\s+sims\s+avg reward\s+pass\^1\s+pass\^2$/);
    expect(lines[1]).toMatch(/^gpt-5-medium\s+telecom\s+3\s+6\s+0\.500 \[\d\.\d{3}, \d\.\d{3}\]\s+0\.500 \[/);
    expect(lines[2]).toMatch(/^gpt-5\.1-codex-max-medium\s+telecom\s+3\s+6\s+1\.000 \[1\.000, 1\.000\]/);
    expect(stdout).toContain("gpt-5.1-codex-max-medium − gpt-5-medium, paired on 3 shared tasks:");
    expect(stdout).toMatch(/avg_reward\s+0\.500 → 1\.000\s+\+0\.500 \[\+\d\.\d{3}, \+\d\.\d{3}\]/);
    expect(stdout).toContain("improved (2): b (0.500 → 1.000), c (0.000 → 1.000)");

    const store = new LocalStore(dataDir);
    expect(store.listExperiments().map((e) => e.name).sort()).toEqual(["gpt-5-medium", "gpt-5.1-codex-max-medium"]);
    store.close();
  }, 30_000);

  it("exits 1 with the reason on stderr for a bad file, storing nothing", async () => {
    const dir = tempDir();
    const good = writeJson(dir, "good.json", tau2Results({ tasks: ["a"], sims: trials({ a: [1] }) }));
    const bad = writeJson(dir, "bad.json", { tasks: [{ id: "x" }], simulations: [{ task_id: "x", trial: "first" }] });
    const dataDir = join(dir, "data");
    const { code, stdout, stderr } = await cli([good, bad], dataDir);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`ingest failed: ${bad}: simulations[0].trial:`);
    const store = new LocalStore(dataDir);
    expect(store.listExperiments()).toEqual([]);
    store.close();
  }, 30_000);
});
