// Every results layout, generated here, ingested into a real local store: counts, tau2's numbers, the rows.
import fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ingestFiles } from "../../src/ingest/ingestJob.js";
import { tau2Results, trials, v1Results, writeDirRun, writeJson, type SimSpec } from "../support/ingestFixtures.js";
import { LocalHarness } from "./localStore.js";

let h: LocalHarness;
beforeEach(() => {
  h = new LocalHarness();
});
afterEach(async () => {
  await h.close();
});

const table = { a: [1, 1], b: [1, 0], c: [0, 0] };

describe("tau2 monolithic results", () => {
  it("makes a dataset row per listed task and an experiment row per simulated task, with tau2's numbers", async () => {
    const file = writeJson(h.dir, "run.json", tau2Results({ tasks: ["a", "b", "c", "unsimulated"], sims: trials(table) }));
    const report = await ingestFiles([file], h.settings);

    expect(report.dataset).toEqual({ name: "Tau Bench Telecom Tasks", rows: 4, new_rows: 4 });
    const [e] = report.experiments;
    expect(e).toMatchObject({ name: "gpt-5-medium", domain: "telecom", format: "tau2", tasks: 3, simulations: 6, new_rows: 3 });
    expect(e.metrics.avg_reward).toBeCloseTo(3 / 6, 12);
    expect(e.metrics.pass_hat_k).toEqual({ "1": 0.5, "2": 1 / 3 });
    expect(e.metrics.terminations).toEqual({ user_stop: 6 });
    expect(e.metrics.cost.avg_agent_cost).toBeCloseTo(0.005, 12);
    expect(report.warnings.some((w) => w.includes("1 task(s) have no simulation"))).toBe(true);

    const rows = h.datasetRows("Tau Bench Telecom Tasks");
    expect(rows.map((r) => r.id)).toEqual(["a", "b", "c", "unsimulated"]);
    expect(rows[0].input).toMatchObject({ description: { purpose: "Fix a" }, ticket: "Ticket for a" });
    expect(Object.keys(rows[0].input as object)).toEqual(["description", "user_scenario", "ticket", "initial_state"]);
    expect(rows[0].expected).toMatchObject({ reward_basis: ["ENV_ASSERTION"] });
    expect(rows[0].metadata).toMatchObject({ domain: "telecom", version: "40f46d3540dc95aca145ddecb0464fdd9a1e8c15" });

    // The store's own averages over rows are tau2's pass^k.
    const [summary] = h.store.listExperiments();
    expect(summary.scores["pass^1"].mean).toBeCloseTo(0.5, 12);
    expect(summary.scores["pass^2"].mean).toBeCloseTo(1 / 3, 12);
    expect(summary.scores.reward.mean).toBeCloseTo(0.5, 12);
    expect(summary.metrics.cost.mean).toBeCloseTo(0.005, 12);
    expect(summary.dataset?.name).toBe("Tau Bench Telecom Tasks");
    expect(summary.metadata).toMatchObject({ tau2_metrics: { avg_reward: 0.5, pass_hat_k: { "1": 0.5 } } });
  });

  it("writes each task row with its trials as children and the conversation as LLM and tool spans", async () => {
    const file = writeJson(h.dir, "run.json", tau2Results({ tasks: ["a", "b", "c"], sims: trials(table) }));
    await ingestFiles([file], h.settings);
    const roots = h.roots("gpt-5-medium");
    expect(roots.map((r) => r.name).sort()).toEqual(["a", "b", "c"]);
    const b = roots.find((r) => r.name === "b")!;
    expect(b.type).toBe("eval");
    expect(b.input).toEqual(h.datasetRows("Tau Bench Telecom Tasks")[1].input);
    expect(b.scores).toEqual({ reward: 0.5, pass_at_k: 1, pass_exp_k: 0, "pass^1": 0.5, "pass^2": 0 });
    expect(b.metrics).toMatchObject({ trials: 2, successes: 1, cost: 0.005, duration: 7.5, turns: 6, termination_user_stop: 2 });
    expect(b.output).toEqual({
      trials: [
        { trial: 0, reward: 1, termination_reason: "user_stop" },
        { trial: 1, reward: 0, termination_reason: "user_stop" },
      ],
      successes: 1,
    });

    const trialSpans = h.children("gpt-5-medium", b);
    expect(trialSpans.map((t) => [t.name, t.type])).toEqual([
      ["trial 0", "task"],
      ["trial 1", "task"],
    ]);
    expect(trialSpans[1].output).toMatchObject({ reward: 0, termination_reason: "user_stop", reward_info: { reward: 0 } });
    const messages = h.children("gpt-5-medium", trialSpans[0]);
    expect(messages.map((m) => [m.name, m.type])).toEqual([
      ["agent", "llm"],
      ["user simulator", "llm"],
      ["agent", "llm"],
      ["get_customer_by_phone", "tool"],
      ["agent", "llm"],
      ["user simulator", "llm"],
      ["toggle_data", "tool"],
      ["user simulator", "llm"],
    ]);
    const [, user, call, result, , , userTool] = messages;
    expect(user.input).toEqual([{ role: "assistant", content: "Hi! How can I help you today?" }]);
    expect(user.metrics).toMatchObject({ prompt_tokens: 100, completion_tokens: 10, tokens: 110 });
    expect(user.metadata).toMatchObject({ model: "gpt-4.1", cost: 0.001 });
    expect(call.output).toMatchObject({
      role: "assistant",
      tool_calls: [{ type: "function", function: { name: "get_customer_by_phone", arguments: '{"phone_number":"555-123-2002"}' } }],
    });
    expect(result).toMatchObject({ input: { phone_number: "555-123-2002" }, output: '{"customer_id": "C1001"}' });
    expect(userTool).toMatchObject({ input: {}, output: "Mobile data is now ON", metadata: { requestor: "user" } });
  });

  it("reads a 1.0 file with unknown keys, infrastructure errors, missing optional fields and uneven trials", async () => {
    const sims: SimSpec[] = [
      ...trials({ a: [1, 1, 1], b: [1, 0], c: [0] }),
      { taskId: "c", trial: 1, reward: null, termination: "infrastructure_error" },
      { taskId: "d", trial: 0, reward: null, termination: "infrastructure_error" },
      { taskId: "b", trial: null, reward: 1, omit: ["agent_cost", "user_cost", "seed", "trial", "start_time", "duration"] },
    ];
    const file = writeJson(h.dir, "results.json", tau2Results({ version: "1.0", tasks: ["a", "b", "c", "d"], sims, numTrials: 3 }));
    const report = await ingestFiles([file], h.settings);
    const m = report.experiments[0].metrics;
    // 2 infrastructure errors left out: a 3/3, b 2/3, c 0/1; d has nothing left. max_k = min(3, 1) = 1.
    expect(m).toMatchObject({ infrastructure_errors: 2, evaluated: 7, max_k: 1 });
    expect(m.avg_reward).toBeCloseTo(5 / 7, 12);
    expect(m.pass_hat_k["1"]).toBeCloseTo((1 + 2 / 3 + 0) / 3, 12);
    expect(m.terminations).toEqual({ user_stop: 7, infrastructure_error: 2 });
    expect(report.experiments[0].tasks).toBe(3);

    const d = h.roots("gpt-5-medium").find((r) => r.name === "d")!;
    expect(d.scores).toEqual({});
    expect(d.metadata).toMatchObject({ excluded_from_metrics: "no simulation counts" });
    const c = h.roots("gpt-5-medium").find((r) => r.name === "c")!;
    expect(c.scores).toMatchObject({ reward: 0, "pass^1": 0 });
    const infra = h.children("gpt-5-medium", c).find((t) => t.metadata?.excluded_from_metrics);
    expect(infra?.metadata).toMatchObject({ termination_reason: "infrastructure_error" });
  });

  it("reads the directory format like the monolithic file it was written from", async () => {
    const results = tau2Results({ version: "1.0", tasks: ["a", "b", "c"], sims: trials(table) });
    const dir = writeDirRun(join(h.dir, "run-dir"), results);
    const mono = writeJson(h.dir, "mono.json", results);
    const report = await ingestFiles([dir, mono], h.settings, { experiments: ["from-dir", "from-file"] });
    const [fromDir, fromFile] = report.experiments;
    expect(fromDir).toMatchObject({ format: "tau2-dir", tasks: 3, simulations: 6 });
    expect(fromDir.metrics).toEqual(fromFile.metrics);
    expect(h.spans("from-dir").length).toBe(h.spans("from-file").length);
  });

  it("reads gzip files the same as plain ones", async () => {
    const results = tau2Results({ tasks: ["a", "b", "c"], sims: trials(table) });
    const plain = writeJson(h.dir, "run.json", results);
    const gz = writeJson(h.dir, "run.json.gz", results, { gzip: true });
    const report = await ingestFiles([plain, gz], h.settings, { experiments: ["plain", "gz"] });
    expect(report.experiments[1].metrics).toEqual(report.experiments[0].metrics);
    expect(h.spans("gz").length).toBe(h.spans("plain").length);
  });

  it("takes the reasoning effort from llm_args and falls back to the model alone", async () => {
    const a = writeJson(h.dir, "a.json", tau2Results({ model: "gpt-5.1-codex-max", tasks: ["a"], sims: trials({ a: [1] }) }));
    const b = writeJson(h.dir, "b.json", tau2Results({ model: "xai/grok-3", llmArgs: null, tasks: ["a"], sims: trials({ a: [1] }) }));
    const report = await ingestFiles([a, b], h.settings);
    expect(report.experiments.map((e) => e.name)).toEqual(["gpt-5.1-codex-max-medium", "grok-3"]);
  });

  it("reads NaN and Infinity (Python's json.dump) as null", async () => {
    const text = JSON.stringify(tau2Results({ tasks: ["a"], sims: trials({ a: [1, 0] }) }), null, 2)
      .replace('"agent_cost": 0.005', '"agent_cost": NaN')
      .replace('"duration": 7.5', '"duration": Infinity');
    const file = join(h.dir, "nan.json");
    fs.writeFileSync(file, text);
    // The same in a directory run, whose simulation files are re-read whole.
    const dir = writeDirRun(join(h.dir, "nan-dir"), JSON.parse(text.replace(/NaN|Infinity/g, "null")));
    const simFile = join(dir, "simulations", "sim-1-a-1.json");
    fs.writeFileSync(simFile, fs.readFileSync(simFile, "utf8").replace('"seed": 301', '"seed": NaN'));
    const report = await ingestFiles([file, dir], h.settings, { experiments: ["file", "dir"] });
    expect(report.experiments[0].metrics.cost.total_agent_cost).toBeCloseTo(0.005, 12);
    expect(report.experiments[0].metrics.duration.total_seconds).toBeCloseTo(7.5, 12);
    expect(h.spans("dir").filter((s) => s.name === "trial 1").map((s) => s.input)).toEqual([{ task_id: "a", trial: 1, seed: null }]);
  });

  it("accepts an aborted run and an empty task list", async () => {
    const file = writeJson(h.dir, "empty.json", { ...tau2Results({ tasks: ["a"], sims: [] }), simulations: [] });
    const report = await ingestFiles([file], h.settings);
    expect(report.experiments[0]).toMatchObject({ tasks: 0, simulations: 0, metrics: { avg_reward: null, pass_hat_k: {} } });
    expect(report.warnings.some((w) => w.includes("no simulations"))).toBe(true);
    expect(report.dataset).toMatchObject({ rows: 1 });
  });
});

describe("cancellation", () => {
  it("stops at the signal: before writing nothing is stored, while writing it stops between tasks", async () => {
    const file = writeJson(h.dir, "run.json", tau2Results({ tasks: ["a", "b", "c"], sims: trials(table) }));
    const before = new AbortController();
    before.abort();
    await expect(ingestFiles([file], h.settings, { signal: before.signal })).rejects.toMatchObject({ code: "CANCELLED" });
    expect(h.store.listExperiments()).toEqual([]);

    const during = new AbortController();
    const run = ingestFiles([file], h.settings, {
      signal: during.signal,
      onProgress: (p) => {
        if (p.phase === "write") during.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: "CANCELLED" });
    expect(h.roots("gpt-5-medium").length).toBeLessThan(3);
  });
});

describe("other layouts", () => {
  it("reads tau-bench v1 with its own pass^k rule, domain from the policy, name from the file", async () => {
    const file = writeJson(h.dir, "gpt-4o-airline.json", v1Results({ "0": [1, 1, 0, 1], "1": [0, 0, 0, 1], "2": [1, 1, 1, 1] }));
    const report = await ingestFiles([file], h.settings);
    const [e] = report.experiments;
    expect(e).toMatchObject({ name: "gpt-4o-airline", domain: "airline", format: "tau-bench-v1", tasks: 3, simulations: 12 });
    expect(e.metrics.rule).toBe("tau-bench-v1");
    expect(e.metrics.pass_hat_k["2"]).toBeCloseTo((3 / 6 + 0 + 1) / 3, 12);
    const rows = h.datasetRows("Tau Bench V1 Airline Tasks");
    expect(rows.map((r) => r.id)).toEqual(["0", "1", "2"]);
    expect(rows[0]).toMatchObject({ input: { user_id: "user_0", instruction: "Book 0" }, expected: { outputs: [] } });
    const [trial] = h.children("gpt-4o-airline", h.roots("gpt-4o-airline")[0]);
    const spans = h.children("gpt-4o-airline", trial);
    expect(spans.map((s) => s.name)).toEqual(["user simulator", "agent", "book", "agent"]);
    // The policy (system message) is the agent's context, and OpenAI-format arguments are parsed.
    expect((spans[1].input as { role: string }[]).map((m) => m.role)).toEqual(["system", "user"]);
    expect(spans[2]).toMatchObject({ input: { id: "0" }, output: "booked" });
  });

  it("reads a bare list of simulations and a wrapper object", async () => {
    const sims = (tau2Results({ tasks: ["a"], sims: trials({ a: [1, 0], b: [1, 1] }) }) as { simulations: unknown[] }).simulations;
    const list = writeJson(h.dir, "list.json", sims);
    const wrapper = writeJson(h.dir, "wrapper.json", { domain: "retail", agent: "acme", model: "m-1", total_tasks: 2, passed: 3, pass_rate: 0.75, simulations: sims });
    const report = await ingestFiles([list, wrapper], h.settings);
    expect(report.experiments.map((e) => [e.name, e.format, e.domain, e.tasks, e.metrics.avg_reward])).toEqual([
      ["list", "simulation-list", "unknown", 2, 0.75],
      ["m-1", "tau2", "retail", 2, 0.75],
    ]);
    expect(report.warnings.some((w) => w.includes("no task definitions"))).toBe(true);
    expect(h.roots("m-1").find((r) => r.name === "a")?.input).toEqual({ task_id: "a" });
  });
});
