// The Playground's run of `sema4-demo` as the product issue measured it: the twelve tasks from the dataset, three
// trials each, under a Playground parent, against scripted models on the fake OpenAI server. What is asserted is what
// the service did (how many agent runs it had going at once, which eval got a freed slot, what every case reported
// and logged), never how long the test machine took.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config.js";
import { SQL_TASKS, taskToCase } from "../../src/data/tasks.js";
import { SEEDED_DATASET_ID, type FakeBraintrustOptions } from "../support/fakeBraintrust.js";
import { reply, startFakeOpenAI, type FakeOpenAI, type FakeReply, type FakeRequest } from "../support/fakeOpenAI.js";
import { parseSse, startService, type RunningService, type SseEvent } from "../support/service.js";
import { pacedModel, startAgentHarness, taskFor, type AgentHarness } from "../support/sqlAgentHarness.js";

const OTHER_TOKEN = "sk-other-caller";
const parent = { object_type: "playground_logs", object_id: "0c1b5b2e-6d5e-4c55-9d5a-2b1f3e9a7c13" };
const defaults = configSchema.parse({});

let h: AgentHarness;
let model: FakeOpenAI;
const services: RunningService[] = [];
beforeAll(async () => {
  h = await startAgentHarness();
  model = await startFakeOpenAI();
});
afterEach(async () => {
  model.setHandler(undefined);
  for (const svc of services.splice(0)) await svc.close();
});
afterAll(async () => {
  await model?.close();
  await h?.close();
});

/** The service with the built-in `sema4-demo`, its model the fake (the callers' org may use the service's endpoint). */
async function service(config: Record<string, string> = {}): Promise<RunningService> {
  const fake: FakeBraintrustOptions = {
    tokens: ["sk-test", OTHER_TOKEN],
    seededDataset: { rows: SQL_TASKS.length, name: "SQL Gen Tasks", row: (i) => taskToCase(SQL_TASKS[i]) },
  };
  const svc = await startService({
    config: { OPENAI_BASE_URL: model.url, SERVICE_MODEL_ORGS: "test-org", SEMA4_DB_PATH: h.dbPath, DATA_DIR: h.config.DATA_DIR, ...config },
    deps: { sandboxFactory: h.sandboxFactory },
    fake,
  });
  services.push(svc);
  return svc;
}

/** Starts a streaming Playground eval; resolves to its events once the stream ends. */
function playground(svc: RunningService, body: Record<string, unknown>, token = "sk-test"): Promise<SseEvent[]> {
  return fetch(`${svc.base}/eval`, {
    method: "POST",
    headers: { "x-bt-auth-token": token, "x-bt-org-name": svc.fake.orgName, "content-type": "application/json" },
    body: JSON.stringify({ name: "sema4-demo", stream: true, parent, data: { dataset_id: SEEDED_DATASET_ID }, ...body }),
  }).then(async (res) => parseSse(await res.text()));
}

const finished = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === "progress")
    .map((e) => JSON.parse(e.data) as { id: string; event: string; data: string })
    .filter((p) => p.event === "json_delta" || p.event === "error");
const rootRows = (svc: RunningService) =>
  svc.fake.rows({ prompt_session_id: parent.object_id }).filter((row) => (row.span_attributes as { type?: string }).type === "eval");

describe("the default Playground run of sema4-demo (12 tasks × 3 trials)", () => {
  it("runs AGENT_CONCURRENCY_PER_EVAL agent runs at once, never more, and ends with every row filled and done", async () => {
    const svc = await service();
    const paced = pacedModel(2_000);
    model.setHandler(paced.handler);
    const events = await playground(svc, {});
    expect(events.map((e) => e.event).slice(-2)).toEqual(["summary", "done"]);
    const outputs = finished(events);
    expect(outputs.map((p) => p.event)).toEqual(Array(12).fill("json_delta"));
    for (const p of outputs) expect(JSON.parse(p.data).trials).toHaveLength(3);
    expect(JSON.parse(events.at(-2)!.data).scores.sql_correctness.score).toBe(1);
    expect(rootRows(svc)).toHaveLength(12);
    // 36 runs of three turns; at most 12 at once, so three waves of six turns' time (the old single pool of 4
    // made it nine).
    expect(paced.requests()).toBe(36 * 3);
    expect(defaults.AGENT_CONCURRENCY_PER_EVAL).toBe(12);
    expect(paced.maxInFlight()).toBe(defaults.AGENT_CONCURRENCY_PER_EVAL);
  }, 180_000);

  it("past EVAL_TIME_BUDGET_MS, reports every case, running ones stopped and the rest not run, with their rows, then summary and done", async () => {
    // 8 s: the cut at 7 s. Four runs at once of 6 s each: no case that starts later can end before the cut.
    const svc = await service({ EVAL_TIME_BUDGET_MS: "8000", AGENT_CONCURRENCY_PER_EVAL: "4" });
    const before = model.completions().length;
    const paced = pacedModel(2_000);
    model.setHandler(paced.handler);
    const events = await playground(svc, {});
    expect(events.map((e) => e.event).slice(-2)).toEqual(["summary", "done"]);
    const reports = finished(events);
    expect(reports).toHaveLength(12);
    const rows = new Map(rootRows(svc).map((row) => [row.id, row]));
    expect(rows.size).toBe(12);
    const outcome = (p: { event: string; data: string }) =>
      p.event === "json_delta" ? "finished" : /^not run: this eval's 8 s time budget ran out$/.test(p.data) ? "not run" : /^stopped: this eval's 8 s time budget ran out/.test(p.data) ? "stopped" : p.data;
    const counts = { finished: 0, stopped: 0, "not run": 0 } as Record<string, number>;
    for (const p of reports) {
      const what = outcome(p);
      counts[what] = (counts[what] ?? 0) + 1;
      // Every report has its row, and a row that did not finish says why.
      const row = rows.get(p.id)!;
      expect(row, p.id).toBeDefined();
      if (what !== "finished") expect(JSON.stringify(row.error)).toContain(p.data);
    }
    // The first four cases started (their trials queue for the eval's four runs) and at most the first could end;
    // the eight others never started.
    expect(Object.keys(counts).sort()).toEqual(["finished", "not run", "stopped"]);
    expect(counts["not run"]).toBe(8);
    expect(counts.stopped + counts.finished).toBe(4);
    expect(counts.stopped).toBeGreaterThanOrEqual(3);
    // The runs going at the cut were stopped mid-call: the model saw its requests dropped.
    expect(model.completions().slice(before).some((r) => r.aborted)).toBe(true);
  }, 60_000);
});

/** A model that holds every request until the test answers it; each run submits on its first turn. */
function heldModel() {
  const held: { request: FakeRequest; answer: (r: FakeReply) => void }[] = [];
  model.setHandler(
    (request) =>
      new Promise<FakeReply>((answer) => {
        held.push({ request, answer });
      }),
  );
  const of = (m: string) => held.filter((x) => x.request.body.model === m);
  return {
    /** Requests waiting for an answer, by the model their eval asked for. */
    waiting: (m: string) => of(m).length,
    /** Answers the oldest waiting request of model `m`: its run submits the gold query and ends. */
    release(m: string) {
      const x = of(m)[0];
      held.splice(held.indexOf(x), 1);
      x.answer(reply.tool("submit_sql", { sql: taskFor(x.request).gold_sql, answer: "ok" }));
    },
    /** Answers everything now and from now on. */
    releaseAll() {
      model.setHandler((request) => reply.tool("submit_sql", { sql: taskFor(request).gold_sql, answer: "ok" }));
      while (held.length) {
        const x = held.shift()!;
        x.answer(reply.tool("submit_sql", { sql: taskFor(x.request).gold_sql, answer: "ok" }));
      }
    },
  };
}

const eight = { data: { data: SQL_TASKS.slice(0, 8).map(taskToCase) }, parameters: { trials: 1 } };

describe("agent runs shared across evals", () => {
  it("caps one eval at AGENT_CONCURRENCY_PER_EVAL and shares the rest of the pool equally with another caller's eval", async () => {
    const svc = await service({ AGENT_CONCURRENCY: "6", AGENT_CONCURRENCY_PER_EVAL: "4" });
    const m = heldModel();
    const first = playground(svc, { ...eight, parameters: { ...eight.parameters, model: "model-a" } });
    await expect.poll(() => m.waiting("model-a")).toBe(4);
    // The pool has two more slots; the first eval may not take them, the other caller's eval gets them.
    const second = playground(svc, { ...eight, parameters: { ...eight.parameters, model: "model-b" } }, OTHER_TOKEN);
    await expect.poll(() => m.waiting("model-b")).toBe(2);
    expect(m.waiting("model-a")).toBe(4);
    // A freed slot goes to the caller with fewer runs going, until both have half the pool.
    m.release("model-a");
    await expect.poll(() => m.waiting("model-b")).toBe(3);
    m.release("model-a");
    await expect.poll(() => m.waiting("model-a")).toBe(3);
    expect(m.waiting("model-b")).toBe(3);
    m.releaseAll();
    for (const events of await Promise.all([first, second])) {
      expect(events.at(-1)!.event).toBe("done");
      expect(finished(events).map((p) => p.event)).toEqual(Array(8).fill("json_delta"));
    }
  }, 60_000);

  it("shares one caller's slots between its evals: a second eval does not wait for the first one's queue", async () => {
    const svc = await service({ AGENT_CONCURRENCY: "4", AGENT_CONCURRENCY_PER_EVAL: "4" });
    const m = heldModel();
    const first = playground(svc, { ...eight, parameters: { ...eight.parameters, model: "model-a" } });
    await expect.poll(() => m.waiting("model-a")).toBe(4);
    const second = playground(svc, { ...eight, parameters: { ...eight.parameters, model: "model-c" } });
    // The first eval has four more trials queued, but the freed slots go to the caller's eval with fewer runs.
    m.release("model-a");
    await expect.poll(() => m.waiting("model-c")).toBe(1);
    m.release("model-a");
    await expect.poll(() => m.waiting("model-c")).toBe(2);
    expect(m.waiting("model-a")).toBe(2);
    m.releaseAll();
    for (const events of await Promise.all([first, second])) {
      expect(events.at(-1)!.event).toBe("done");
      expect(finished(events)).toHaveLength(8);
    }
  }, 60_000);
});

describe("a rate-limited model endpoint", () => {
  it("slows the run down instead of failing it: each call waits out five 429s with Retry-After: 1, then succeeds", async () => {
    const svc = await service();
    const before = model.completions().length;
    const refusals = new Map<string, number>();
    model.setHandler((request) => {
      const task = taskFor(request);
      const n = refusals.get(task.id) ?? 0;
      if (n < 5) {
        refusals.set(task.id, n + 1);
        return reply.error(429, "Rate limit reached for requests", { "retry-after": "1" });
      }
      return reply.tool("submit_sql", { sql: task.gold_sql, answer: "ok" });
    });
    const events = await playground(svc, { data: { data: SQL_TASKS.slice(0, 4).map(taskToCase) }, parameters: { trials: 1 } });
    expect(events.at(-1)!.event).toBe("done");
    const outputs = finished(events);
    expect(outputs.map((p) => p.event)).toEqual(Array(4).fill("json_delta"));
    for (const p of outputs) expect(JSON.parse(p.data).trials[0]).toMatchObject({ attempts: 1, row_count: expect.any(Number) });
    expect(JSON.parse(events.at(-2)!.data).scores.sql_correctness.score).toBe(1);
    // Five refusals and one answer per run, and the llm span says so.
    const asked = model.completions().slice(before).map((r) => taskFor(r).id);
    expect(SQL_TASKS.slice(0, 4).map((t) => asked.filter((id) => id === t.id).length)).toEqual([6, 6, 6, 6]);
    const llm = svc.fake.rows({ prompt_session_id: parent.object_id }).filter((row) => (row.span_attributes as { type?: string }).type === "llm");
    expect(llm.map((row) => (row.metadata as { attempts: number }).attempts)).toEqual([6, 6, 6, 6]);
  }, 60_000);
});
