// npm run bench:playground — the default Playground run of sema4-demo, as the product issue measured it: the 12
// tasks of the `SQL Gen Tasks` dataset × 3 trials under a Playground parent, against a scripted model that answers
// each turn after TURN_MS (2000) and takes three turns a run (bash_exec, bash_exec, submit_sql). The service runs as
// its own process (`tsx src/main.ts`) with EVAL_TIME_BUDGET_MS as modal_app.py sets it; the fake model and the fake
// Braintrust API run in this one, on loopback. Scenarios:
//   1. one eval with the default settings (target: `done` within 30 s);
//   2. the same with the old single pool of 4 agent runs (AGENT_CONCURRENCY=4, AGENT_CONCURRENCY_PER_EVAL=4);
//   3. two callers' evals started together, default settings: each one's time and share of the agent runs.
// Time is from sending POST /eval to the `done` event, on this process's clock. The results go to the
// `playground` section of bench/RESULTS.md. TURN_MS overrides the model's latency.
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { SQL_TASKS, taskToCase } from "../src/data/tasks.js";
import { SEEDED_DATASET_ID, startFakeBraintrust, type FakeBraintrust } from "../test/support/fakeBraintrust.js";
import { startFakeOpenAI } from "../test/support/fakeOpenAI.js";
import { freePort, spawnService, waitForHttp, type Spawned } from "../test/support/process.js";
import { parseSse } from "../test/support/service.js";
import { pacedModel } from "../test/support/sqlAgentHarness.js";
import { writeResultsSection } from "./results.js";

const TURN_MS = Number(process.env.TURN_MS ?? 2000);
const TARGET_MS = 30_000;
const BUDGET_MS = 140_000; // modal_app.py's
const root = path.resolve(import.meta.dirname, "..");
const ORG = "bench-org";
const TOKENS = ["sk-bench-alice", "sk-bench-bob"];
const PARENT = { object_type: "playground_logs", object_id: "0c1b5b2e-6d5e-4c55-9d5a-2b1f3e9a7c11" };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface RunResult {
  ms: number;
  events: string[];
  rows: number;
  failed: number;
  summary: { scores?: Record<string, { score: number }> } | undefined;
}

async function startServiceProcess(fake: FakeBraintrust, modelUrl: string, dir: string, extra: Record<string, string>) {
  const port = await freePort();
  const spawned: Spawned = spawnService(
    path.join(root, "node_modules/.bin/tsx"),
    [path.join(root, "src/main.ts")],
    {
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      BRAINTRUST_APP_URL: fake.url,
      OPENAI_BASE_URL: modelUrl,
      SERVICE_MODEL_ORGS: ORG,
      SEMA4_DB_PATH: path.join(dir, "sema4_eval.db"),
      DATA_DIR: path.join(dir, "data"),
      EVAL_TIME_BUDGET_MS: String(BUDGET_MS),
      ...(process.env.SANDBOX_MODE ? { SANDBOX_MODE: process.env.SANDBOX_MODE } : {}),
      ...extra,
    },
    root,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/readyz`, spawned, 60_000);
  const ready = (await (await fetch(`${base}/readyz`)).json()) as { sandbox?: { mode?: string } };
  return {
    base,
    sandbox: ready.sandbox?.mode ?? "unknown",
    async stop() {
      spawned.child.kill("SIGTERM");
      await spawned.exited;
    },
  };
}

async function playgroundRun(base: string, token: string, model: string): Promise<RunResult> {
  const started = performance.now();
  const res = await fetch(`${base}/eval`, {
    method: "POST",
    headers: { "x-bt-auth-token": token, "x-bt-org-name": ORG, "content-type": "application/json" },
    body: JSON.stringify({ name: "sema4-demo", stream: true, parent: PARENT, data: { dataset_id: SEEDED_DATASET_ID }, parameters: { model } }),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  const events = parseSse(text);
  const finished = events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data) as { event: string });
  const summary = events.find((e) => e.event === "summary");
  return {
    ms,
    events: events.map((e) => e.event),
    rows: finished.filter((p) => p.event === "json_delta").length,
    failed: finished.filter((p) => p.event === "error").length,
    summary: summary ? JSON.parse(summary.data) : undefined,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "sema4-bench-playground-"));
  const model = pacedModel(TURN_MS);
  const openai = await startFakeOpenAI({ handler: model.handler });
  const fake = await startFakeBraintrust({
    orgName: ORG,
    tokens: TOKENS,
    seededDataset: { rows: SQL_TASKS.length, name: "SQL Gen Tasks", project: "sema4-demo", row: (i) => taskToCase(SQL_TASKS[i]) },
  });
  const lines: string[] = [];
  const rows: string[] = [];
  let sandbox = "unknown";
  const check = (r: RunResult) => r.events.at(-1) === "done" && r.events.includes("summary") && r.rows === SQL_TASKS.length && r.failed === 0;
  try {
    const scenarios: { name: string; settings: Record<string, string> }[] = [
      { name: "default settings", settings: {} },
      { name: "the old single pool of 4", settings: { AGENT_CONCURRENCY: "4", AGENT_CONCURRENCY_PER_EVAL: "4" } },
    ];
    for (const scenario of scenarios) {
      const svc = await startServiceProcess(fake, openai.url, path.join(dir, String(rows.length)), scenario.settings);
      sandbox = svc.sandbox;
      try {
        model.reset();
        const r = await playgroundRun(svc.base, TOKENS[0], "model-a");
        const settings = Object.entries(scenario.settings).map(([k, v]) => `${k}=${v}`).join(", ") || "defaults";
        const target = scenario.settings.AGENT_CONCURRENCY ? "" : r.ms <= TARGET_MS ? "≤ 30 s met" : "≤ 30 s **missed**";
        rows.push(`| one eval, ${scenario.name} (${settings}) | ${seconds(r.ms)} | ${model.maxInFlight("model-a")} | ${model.requests("model-a")} | ${r.rows}/${SQL_TASKS.length}${check(r) ? "" : " **incomplete**"} | ${target} |`);
        console.log(scenario.name, seconds(r.ms), "max in flight", model.maxInFlight("model-a"), r.events.slice(-2));
      } finally {
        await svc.stop();
      }
    }

    const svc = await startServiceProcess(fake, openai.url, path.join(dir, "two"), {});
    try {
      model.reset();
      const [a, b] = await Promise.all([playgroundRun(svc.base, TOKENS[0], "model-a"), playgroundRun(svc.base, TOKENS[1], "model-b")]);
      for (const [who, r, m] of [["caller A", a, "model-a"], ["caller B", b, "model-b"]] as const) {
        rows.push(`| two callers at once: ${who} (defaults) | ${seconds(r.ms)} | ${model.maxInFlight(m)} | ${model.requests(m)} | ${r.rows}/${SQL_TASKS.length}${check(r) ? "" : " **incomplete**"} | |`);
      }
      rows.push(`| two callers at once: both together | ${seconds(Math.max(a.ms, b.ms))} | ${model.maxInFlight()} | ${model.requests()} | | |`);
      console.log("two callers", seconds(a.ms), seconds(b.ms), "max in flight", model.maxInFlight("model-a"), model.maxInFlight("model-b"), model.maxInFlight());
    } finally {
      await svc.stop();
    }

    lines.push(
      `Run ${new Date().toISOString()}, node ${process.version}, ${availableParallelism()} CPUs (load average ${loadavg().map((l) => l.toFixed(1)).join(", ")} at the end), sandbox mode ${sandbox}, the service as \`tsx src/main.ts\`. The model answers each turn after ${TURN_MS} ms, three turns an agent run, so a run takes ${seconds(3 * TURN_MS)} at best; one eval is ${SQL_TASKS.length} cases × 3 trials = ${SQL_TASKS.length * 3} agent runs. EVAL_TIME_BUDGET_MS=${BUDGET_MS}. "Model calls at once" is the most requests the fake model was answering together, i.e. agent runs going at once.`,
      "",
      "| run | POST /eval → done | model calls at once (max) | model calls | rows filled | target |",
      "|---|---|---|---|---|---|",
      ...rows,
    );
    writeResultsSection("playground", "Playground run: sema4-demo, 12 cases × 3 trials, a model at 2 s a turn", lines.join("\n"));
    console.log(lines.join("\n"));
  } finally {
    await openai.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
