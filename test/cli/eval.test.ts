// npm run eval as a real child process: the sema4-demo evaluator through the service's registry, its model a
// scripted fake OpenAI server on loopback, recording into the local store of a temporary DATA_DIR; then the
// viewer's API over that store shows the run with per-trial outcomes, pass^k and a trace per trial.
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../src/config.js";
import { setupDb } from "../../src/data/seed.js";
import { SQL_TASKS, taskToCase } from "../../src/data/tasks.js";
import { EvaluatorRegistry } from "../../src/evals/runtime/registry.js";
import { buildApp } from "../../src/server/app.js";
import { startFakeBraintrust } from "../support/fakeBraintrust.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fakeOpenAI.js";
import { LocalStore } from "../../src/recorder/localStore.js";
import { oracleModel } from "../support/sqlAgentHarness.js";

const root = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const [passing, flaky, failing] = [SQL_TASKS[0], SQL_TASKS[1], SQL_TASKS[2]];

let dir: string;
let fake: FakeOpenAI;
let out: { code: number; stdout: string; stderr: string };
let app: FastifyInstance;
let env: Record<string, string | undefined>;
let data: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sema4-eval-cli-"));
  chmodSync(dir, 0o755);
  const dbPath = setupDb(join(dir, "sema4_eval.db"));
  // Per task, its submissions in turn: always right, right every other time (2 of 3), never right.
  const submissions = new Map<string, number>();
  fake = await startFakeOpenAI({
    handler: oracleModel({
      sqlFor: (task) => {
        const n = submissions.get(task.id) ?? 0;
        submissions.set(task.id, n + 1);
        if (task.id === failing.id || (task.id === flaky.id && n % 2 === 1)) return "SELECT 'wrong' AS answer";
        return task.gold_sql;
      },
    }),
  });
  data = join(dir, "cases.json");
  writeFileSync(data, JSON.stringify([passing, flaky, failing].map(taskToCase)));
  env = { ...process.env, DATA_DIR: join(dir, "data"), SEMA4_DB_PATH: dbPath, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "", BRAINTRUST_API_KEY: "", LOG_LEVEL: "warn", HOST: "0.0.0.0", PORT: "8311" };
  try {
    const r = await run(process.execPath, ["--import", "tsx", "src/cli/eval.ts", "sema4-demo", "--trials", "3", "--model", "fake-model", "--data", data], { cwd: root, env });
    out = { code: 0, ...r };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    out = { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
  app = await buildApp(testConfig({ DATA_DIR: join(dir, "data"), SEMA4_DB_PATH: dbPath }), { registry: new EvaluatorRegistry() });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (url: string) => {
  const res = await app.inject({ url });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  return res.json();
};

describe("npm run eval", () => {
  it("prints a line per case on stderr and the results table with the viewer link on stdout", () => {
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stderr.split("\n").filter((l) => /^\[\d\/3\] /.test(l));
    expect(lines).toHaveLength(3);
    expect(out.stderr).toContain(`${passing.question.slice(0, 40)}`);
    expect(out.stderr).toMatch(/sql_correctness=1\.000 pass_at_k=1\.000 pass_exp_k=1\.000/);
    expect(out.stderr).toMatch(/sql_correctness=0\.667/);
    expect(out.stdout).toMatch(/^experiment "sema4-demo-fake-model" \([0-9a-f-]{36}\): 3 case\(s\), 0 failed$/m);
    expect(out.stdout).toMatch(/^sql_correctness\s+0\.556$/m);
    expect(out.stdout).toMatch(/^tasks\s+trials\s+avg reward\s+pass\^1\s+pass\^2\s+pass\^3$/m);
    expect(out.stdout).toMatch(/^3\s+9\s+0\.556 \[/m);
    const id = /\(([0-9a-f-]{36})\)/.exec(out.stdout)![1];
    expect(out.stdout).toContain(`viewer: http://localhost:8311/ui/experiments/${id}`);
    // The model saw the model the command asked for.
    expect(fake.completions().every((r) => r.body.model === "fake-model")).toBe(true);
  });

  it("shows in the viewer's API as an eval experiment with pass^k and per-trial outcomes", async () => {
    const list = await get("/api/experiments");
    expect(list.total).toBe(1);
    const [summary] = list.experiments;
    expect(summary).toMatchObject({
      project: "sema4-demo",
      name: "sema4-demo-fake-model",
      source: "eval",
      evaluator: "sema4-demo",
      agentModel: "fake-model",
      tasks: 3,
      trials: 9,
      maxTrials: 3,
    });
    // 3 + 2 + 0 of 9 trials correct; pass^3: only the always-right task.
    expect(summary.avgReward.value).toBeCloseTo(5 / 9, 12);
    expect(summary.passHatK.map((p: { k: number }) => p.k)).toEqual([1, 2, 3]);
    expect(summary.passHatK[2].value).toBeCloseTo(1 / 3, 12);
    expect(summary.scores.sql_correctness).toBeCloseTo(5 / 9, 12);
    expect(summary.scores.pass_at_k).toBeCloseTo(5 / 9, 12);

    const page = await get(`/api/experiments/${summary.id}/tasks?sort=success&order=desc`);
    expect(page.tasks.map((t: { taskId: string }) => t.taskId)).toEqual([passing.id, flaky.id, failing.id]);
    expect(page.counts).toEqual({ passing: 1, flaky: 1, failing: 1 });
    const outcomes = page.tasks.map((t: { trials: { outcome: string }[] }) => t.trials.map((x) => x.outcome).sort());
    expect(outcomes).toEqual([
      ["passed", "passed", "passed"],
      ["failed", "passed", "passed"],
      ["failed", "failed", "failed"],
    ]);
    expect(page.tasks[2].trials[0]).toMatchObject({ termination: expect.stringMatching(/mismatch|row|column/) });

    // Each trial cell opens its own span of the case's trace: the agent's model and tool calls under it.
    const task = page.tasks[1];
    const trace = await get(`/api/traces/experiment/${summary.id}/${task.rootSpanId}`);
    expect(trace.kind).toBe("eval");
    const trialSpans = trace.spans.filter((s: { name: string }) => /^trial \d$/.test(s.name));
    expect(trialSpans.map((s: { spanId: string }) => s.spanId).sort()).toEqual(task.trials.map((t: { spanId: string }) => t.spanId).sort());
    const under = await get(`/api/traces/experiment/${summary.id}/${task.rootSpanId}?under=${task.trials[0].spanId}`);
    expect(under.spans[0].spanId).toBe(task.trials[0].spanId);
    expect(under.spans.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(["Chat Completion", "bash_exec", "submit_sql"]));
    expect(trace.spans.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(["task", "sql_correctness", "pass_at_k", "pass_exp_k"]));
  });

  it("records into Braintrust when the service has a key: the experiment's rows there, its link printed, nothing local", async () => {
    const bt = await startFakeBraintrust({ seededDataset: false });
    try {
      const dataDir = join(dir, "bt-data");
      const r = await run(process.execPath, ["--import", "tsx", "src/cli/eval.ts", "sema4-demo", "--trials", "2", "--model", "fake-model", "--data", data, "--experiment", "bt-run"], {
        cwd: root,
        env: { ...env, DATA_DIR: dataDir, BRAINTRUST_API_KEY: "sk-test", BRAINTRUST_APP_URL: bt.url, BRAINTRUST_ORG_NAME: bt.orgName },
      });
      expect(r.stdout).toMatch(/^Braintrust: http/m);
      expect(r.stdout).not.toContain("viewer:");
      expect(r.stderr).toContain("into Braintrust");
      const experiment = bt.experimentByName("bt-run")!;
      const rows = bt.rows({ experiment_id: experiment.id });
      const roots = rows.filter((row) => ((row.span_parents as string[] | undefined) ?? []).length === 0);
      expect(roots).toHaveLength(3);
      expect(rows.filter((row) => /^trial \d$/.test(String((row.span_attributes as { name?: string } | undefined)?.name)))).toHaveLength(6);
      const store = new LocalStore(dataDir);
      expect(store.exists()).toBe(false);
    } finally {
      await bt.close();
    }
  }, 120_000);
});
