// The viewer's data API through buildApp over a store the real ingest wrote: the numbers are the ingest's own
// (tau2's avg reward and pass^k with intervals; the paired comparison of its response), the task table's filters
// and sorting, traces in tree order, bounded fields, and clear 4xx for bad input.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../../src/config.js";
import { EvaluatorRegistry } from "../../../src/evals/runtime/registry.js";
import { ingestFiles, type IngestReport } from "../../../src/ingest/ingestJob.js";
import { ingestLimits } from "../../../src/ingest/read/ingestLimits.js";
import { LocalRecorder } from "../../../src/recorder/local.js";
import { LocalStore } from "../../../src/recorder/localStore.js";
import { buildApp } from "../../../src/server/app.js";
import { tau2Results, trials, writeJson } from "../../support/ingestFixtures.js";

let dir: string;
let app: FastifyInstance;
let report: IngestReport;
let baseline: IngestReport["experiments"][number];
let candidate: IngestReport["experiments"][number];

// Baseline: a always passes, b is flaky, c always fails, e only here; the candidate fixes c, breaks a, adds d.
const BASELINE = { a: [1, 1, 1], b: [1, 0, 1], c: [0, 0, 0], e: [1, 1, 1] };
const CANDIDATE = { a: [0, 0, 1], b: [1, 1, 0], c: [1, 1, 1], d: [0, 0, 0] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sema4-viewer-api-"));
  const a = writeJson(dir, "base.json", tau2Results({ model: "gpt-5", tasks: Object.keys(BASELINE), sims: trials(BASELINE, { b: ["user_stop", "max_steps", "user_stop"] }) }));
  const b = writeJson(dir, "cand.json", tau2Results({ model: "gpt-5.1", tasks: Object.keys(CANDIDATE), sims: trials(CANDIDATE) }));
  const store = new LocalStore(join(dir, "data"));
  report = await ingestFiles([a, b], { recorder: new LocalRecorder(store), project: "viewer", spoolDir: join(dir, "spool"), limits: ingestLimits(testConfig()) });
  store.close();
  [baseline, candidate] = report.experiments;
  app = await buildApp(testConfig({ DATA_DIR: join(dir, "data") }), { registry: new EvaluatorRegistry() });
}, 60_000);
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(url: string) {
  const res = await app.inject({ url });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  return res.json();
}

describe("GET /api/experiments", () => {
  it("lists experiments newest first with tau2's numbers as the ingest computed them", async () => {
    const list = await get("/api/experiments");
    expect(list).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(list.experiments.map((e: { id: string }) => e.id)).toEqual([candidate.id, baseline.id]);
    const b = list.experiments[1];
    const m = baseline.metrics;
    expect(b).toMatchObject({
      name: "gpt-5-medium",
      project: "viewer",
      source: "ingest",
      domain: "telecom",
      agentModel: "gpt-5",
      userModel: "gpt-4.1",
      dataset: { name: "Tau Bench Telecom Tasks" },
      tasks: 4,
      trials: 12,
      maxTrials: 3,
      avgReward: { value: m.avg_reward, ci: m.ci.avg_reward },
      cost: m.cost.total_agent_cost,
      durationSeconds: m.duration.avg_seconds,
      url: `/ui/experiments/${baseline.id}`,
    });
    expect(b.passHatK).toEqual([1, 2, 3].map((k) => ({ k, value: m.pass_hat_k[k], ci: m.ci.pass_hat_k[k] })));
    // Row means of the rows' own scores: pass^k's is tau2's pass^k.
    expect(b.scores["pass^2"]).toBeCloseTo(m.pass_hat_k[2], 12);
    expect(list.groups).toEqual([{ project: "viewer", dataset: { id: b.dataset.id, name: "Tau Bench Telecom Tasks" }, experiments: 2 }]);
  });

  it("filters by project, dataset and text, and pages", async () => {
    expect((await get("/api/experiments?q=GPT-5.1")).experiments.map((e: { id: string }) => e.id)).toEqual([candidate.id]);
    expect((await get("/api/experiments?q=telecom")).total).toBe(2);
    // % and _ are matched as themselves.
    expect((await get("/api/experiments?q=%25")).total).toBe(0);
    expect((await get("/api/experiments?project=nope")).total).toBe(0);
    const datasetId = (await get("/api/experiments")).experiments[0].dataset.id;
    expect((await get(`/api/experiments?dataset=${datasetId}&limit=1&offset=1`)).experiments.map((e: { id: string }) => e.id)).toEqual([baseline.id]);
  });

  it("answers one experiment with its description, bounded metadata and terminations", async () => {
    const { experiment } = await get(`/api/experiments/${baseline.id}`);
    expect(experiment).toMatchObject({ id: baseline.id, confidence: 0.95, metadataTruncated: false, terminations: { user_stop: 11, max_steps: 1 } });
    expect(experiment.description).toContain("gpt-5");
    expect(experiment.metadata.tau2_metrics.avg_reward).toBe(baseline.metrics.avg_reward);
  });
});

describe("GET /api/experiments/:id/tasks", () => {
  it("gives each task its trials' outcomes, and counts the filters", async () => {
    const page = await get(`/api/experiments/${baseline.id}/tasks`);
    expect(page).toMatchObject({ total: 4, totalTasks: 4, maxTrials: 3, counts: { passing: 2, flaky: 1, failing: 1 } });
    const b = page.tasks.find((t: { taskId: string }) => t.taskId === "b");
    expect(b).toMatchObject({ description: "Fix b", passed: 2, counted: 3, termination: "user_stop" });
    expect(b.successRate).toBeCloseTo(2 / 3, 12);
    expect(b.trials.map((t: { outcome: string; trial: number; termination: string }) => [t.trial, t.outcome, t.termination])).toEqual([
      [0, "passed", "user_stop"],
      [1, "failed", "max_steps"],
      [2, "passed", "user_stop"],
    ]);
    expect(b.trials[0]).toMatchObject({ reward: 1, cost: 0.005, durationSeconds: 7.5, spanId: expect.any(String) });
    expect(b.cost).toBeCloseTo(0.015, 12);
  });

  it("filters failing, flaky and passing tasks, by text, and sorts", async () => {
    const ids = async (query: string) => (await get(`/api/experiments/${baseline.id}/tasks?${query}`)).tasks.map((t: { taskId: string }) => t.taskId);
    expect(await ids("filter=failing")).toEqual(["c"]);
    expect(await ids("filter=flaky")).toEqual(["b"]);
    expect(await ids("filter=passing")).toEqual(["a", "e"]);
    expect(await ids("q=FIX%20E")).toEqual(["e"]);
    expect(await ids("sort=success&order=asc")).toEqual(["c", "b", "a", "e"]);
    expect(await ids("sort=success&order=desc&limit=2&offset=1")).toEqual(["e", "b"]);
    expect(await ids("sort=task&order=desc")).toEqual(["e", "c", "b", "a"]);
  });
});

describe("traces", () => {
  it("answers a task's trace in tree order, as a tau2 conversation, with deep links to its trial spans", async () => {
    const page = await get(`/api/experiments/${baseline.id}/tasks?q=b`);
    const task = page.tasks[0];
    const trace = await get(`/api/traces/experiment/${baseline.id}/${task.rootSpanId}`);
    expect(trace).toMatchObject({ kind: "tau2", total: 1 + 3 * 9, truncated: false, experiment: { id: baseline.id, name: "gpt-5-medium" } });
    expect(trace.spans[0]).toMatchObject({ spanId: task.rootSpanId, parentSpanId: null, name: "b", type: "eval" });
    expect(trace.spans.slice(1, 11).map((s: { name: string }) => s.name)).toEqual([
      "trial 0", "agent", "user simulator", "agent", "get_customer_by_phone", "agent", "user simulator", "toggle_data", "user simulator", "trial 1",
    ]);
    expect(trace.spans[1].spanId).toBe(task.trials[0].spanId);
    const tool = trace.spans.find((s: { name: string }) => s.name === "get_customer_by_phone");
    expect(tool).toMatchObject({ type: "tool", input: { phone_number: "555-123-2002" }, output: '{"customer_id": "C1001"}', truncated: [] });

    const under = await get(`/api/traces/experiment/${baseline.id}/${task.rootSpanId}?under=${task.trials[1].spanId}`);
    expect(under.total).toBe(9);
    expect(under.spans[0].name).toBe("trial 1");
    expect(under.spans.every((s: { rootSpanId: string }) => s.rootSpanId === task.rootSpanId)).toBe(true);

    const { span } = await get(`/api/traces/experiment/${baseline.id}/${task.rootSpanId}/spans/${task.trials[1].spanId}`);
    expect(span).toMatchObject({ name: "trial 1", output: { reward: 0, termination_reason: "max_steps" }, truncated: [] });
  });

  it("answers 404 for a trace or span that is not there, and 400 for a bad object type", async () => {
    const missing = await app.inject({ url: `/api/traces/experiment/${baseline.id}/nope` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ code: "NOT_FOUND", message: `Trace nope not found in experiment ${baseline.id}` });
    const page = await get(`/api/experiments/${baseline.id}/tasks?limit=1`);
    expect((await app.inject({ url: `/api/traces/experiment/${baseline.id}/${page.tasks[0].rootSpanId}/spans/nope` })).statusCode).toBe(404);
    // Another experiment's id does not reach this one's spans.
    expect((await app.inject({ url: `/api/traces/experiment/${candidate.id}/${page.tasks[0].rootSpanId}` })).statusCode).toBe(404);
    const bad = await app.inject({ url: `/api/traces/dataset/x/y` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/objectType/);
  });
});

describe("GET /api/compare", () => {
  it("gives the ingest's own paired comparison, a verdict and the smallest detectable difference", async () => {
    const cmp = await get(`/api/compare?baseline=${baseline.id}&candidate=${candidate.id}`);
    const [c] = cmp.comparisons;
    const ingest = report.comparisons[0];
    expect(cmp.baseline.id).toBe(baseline.id);
    expect(c.candidate.id).toBe(candidate.id);
    expect(c).toMatchObject({ sharedTasks: ingest.shared_tasks, onlyBaseline: ["e"], onlyCandidate: ["d"], onlyBaselineCount: 1, onlyCandidateCount: 1 });
    for (const s of c.statistics) {
      const theirs = ingest.statistics[s.name];
      expect(s).toMatchObject({ baseline: theirs.baseline, candidate: theirs.candidate, difference: theirs.difference, ci: theirs.ci, significant: theirs.significant });
    }
    expect(c.statistics.map((s: { name: string; k: number | null }) => [s.name, s.k])).toEqual([["avg_reward", null], ["pass^1", 1], ["pass^2", 2], ["pass^3", 3]]);
    expect(c.verdict).toBe("could be noise");
    expect(c.minimumDetectableDifference).toBeGreaterThan(0.3);
    expect(c.improved.map((r: { taskId: string }) => r.taskId)).toEqual(ingest.improved.map((t) => t.task_id));
    expect(c.regressed.map((r: { taskId: string }) => r.taskId)).toEqual(ingest.regressed.map((t) => t.task_id));
    // Regressions first, then improvements, then the rest, then tasks of one run.
    expect(c.rows.map((r: { taskId: string; status: string }) => [r.taskId, r.status])).toEqual([
      ["a", "regressed"],
      ["c", "improved"],
      ["b", "same"],
      ["d", "only_candidate"],
      ["e", "only_baseline"],
    ]);
    expect(cmp.runs[baseline.id].a.trials.map((t: { outcome: string }) => t.outcome)).toEqual(["passed", "passed", "passed"]);
    expect(cmp.runs[candidate.id].a.trials.map((t: { outcome: string }) => t.outcome)).toEqual(["failed", "failed", "passed"]);
    expect(cmp.runs[candidate.id].e).toBeUndefined();

    const diff = await get(`/api/compare?baseline=${baseline.id}&candidate=${candidate.id}&differencesOnly=true`);
    expect(diff.comparisons[0].rows.map((r: { taskId: string }) => r.taskId)).toEqual(["a", "c", "d", "e"]);
    expect(Object.keys(diff.runs[baseline.id]).sort()).toEqual(["a", "c", "e"]);
  });

  it("takes several candidates, and refuses none, too many or an unknown one", async () => {
    const two = await get(`/api/compare?baseline=${baseline.id}&candidate=${candidate.id}&candidate=${baseline.id}`);
    expect(two.comparisons).toHaveLength(2);
    expect(two.comparisons[1].statistics[0].difference).toBe(0);
    expect((await app.inject({ url: `/api/compare?baseline=${baseline.id}` })).statusCode).toBe(400);
    const many = `/api/compare?baseline=${baseline.id}${"&candidate=x".repeat(5)}`;
    expect((await app.inject({ url: many })).json().error.message).toMatch(/candidate/);
    const unknown = await app.inject({ url: `/api/compare?baseline=${baseline.id}&candidate=nope` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toBe("Experiment nope not found");
  });
});

describe("an empty store", () => {
  it("answers empty lists and 404s, and creates no database", async () => {
    const empty = mkdtempSync(join(tmpdir(), "sema4-viewer-empty-"));
    const other = await buildApp(testConfig({ DATA_DIR: empty }), { registry: new EvaluatorRegistry() });
    try {
      expect((await other.inject({ url: "/api/experiments" })).json()).toEqual({ experiments: [], total: 0, limit: 50, offset: 0, groups: [] });
      expect((await other.inject({ url: "/api/logs" })).json()).toEqual({ runs: [], total: 0, limit: 50, offset: 0, projects: [] });
      expect((await other.inject({ url: "/api/experiments/x/tasks" })).statusCode).toBe(404);
      expect((await other.inject({ url: "/api/traces/project_logs/p/r" })).statusCode).toBe(404);
      expect(existsSync(join(empty, "sema4.db"))).toBe(false);
      const bad = await other.inject({ url: "/api/experiments?limit=0" });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe("VALIDATION_FAILED");
    } finally {
      await other.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
