// POST /agent (JSON and SSE) and POST /admin/push-dataset, /admin/push-prompt on the real service, with the
// scripted fake OpenAI server as the model and the local store (or the fake Braintrust API) as the Recorder.
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SQL_TASKS } from "../../../src/data/tasks.js";
import { reply, startFakeOpenAI, type FakeOpenAI } from "../../support/fakeOpenAI.js";
import { parseSse, startService, type RunningService } from "../../support/service.js";
import { firstTask, oracleModel, startAgentHarness, traceSpans, type AgentHarness } from "../../support/sqlAgentHarness.js";

const KEY = "sk-test-openai-0123456789";
let h: AgentHarness;
let fake: FakeOpenAI;
let svc: RunningService;

beforeAll(async () => {
  h = await startAgentHarness();
  fake = await startFakeOpenAI({ apiKey: KEY, handler: oracleModel() });
  svc = await startService({
    config: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: KEY, SEMA4_DB_PATH: h.dbPath, DATA_DIR: h.config.DATA_DIR },
    deps: { sandboxFactory: h.sandboxFactory },
  });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
  await h?.close();
});
afterEach(() => fake.setHandler(oracleModel()));

const post = (route: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${svc.base}${route}`, {
    method: "POST",
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });

describe("POST /agent", () => {
  it("answers a question with the SQL, its rows, the steps, the usage and where the trace is", async () => {
    const res = await post("/agent", { question: firstTask.question, max_retries: 1 });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      answer: `answer to ${firstTask.id}`,
      sql: firstTask.gold_sql,
      columns: ["name", "active_customers"],
      attempts: 1,
      model: "gpt-4o",
      usage: { llm_calls: 2, tool_calls: 1 },
      trace: { store: "local", project: "sema4-demo", id: expect.any(String), root_span_id: expect.any(String) },
    });
    expect(body.rows).toHaveLength(5);
    expect(body.steps.map((s: { kind: string }) => s.kind)).toEqual(["llm", "tool", "llm", "submit"]);
    expect(body.error).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain(KEY);
    const spans = traceSpans(h.store, body.trace.root_span_id);
    expect(spans.find((s) => s.parent_span_id === null)).toMatchObject({ id: body.trace.id, name: "sql_agent" });
    expect(spans.filter((s) => s.type === "llm")).toHaveLength(2);
  });

  it("scores the answer when asked by task_id, and takes the model from the request", async () => {
    const task = SQL_TASKS[4];
    const res = await post("/agent", { task_id: task.id, model: "gpt-4o-mini" });
    const body = await res.json();
    expect(body.score).toEqual({ sql_correctness: 1, reason: "equal" });
    expect(body.model).toBe("gpt-4o-mini");
    expect(fake.completions().at(-1)!.body.model).toBe("gpt-4o-mini");
    const root = traceSpans(h.store, body.trace.root_span_id).find((s) => s.parent_span_id === null)!;
    expect(root).toMatchObject({ input: { question: task.question, id: task.id } });
    const stored = h.store.db.prepare("SELECT scores FROM spans WHERE id = ?").get(body.trace.id) as { scores: string };
    expect(JSON.parse(stored.scores)).toEqual({ sql_correctness: 1 });
  });

  it("streams each step as it happens with Accept: text/event-stream, then the result", async () => {
    const res = await post("/agent", { question: firstTask.question }, { accept: "text/event-stream" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual(["step", "step", "step", "step", "result"]);
    expect(events.slice(0, 4).map((e) => JSON.parse(e.data).index)).toEqual([1, 2, 3, 4]);
    expect(JSON.parse(events[4].data)).toMatchObject({ sql: firstTask.gold_sql, attempts: 1 });
  });

  it("ends a stream with an error event when the model endpoint fails mid-run", async () => {
    fake.setHandler(() => reply.error(400, "context length exceeded"));
    const res = await post("/agent", { question: firstTask.question }, { accept: "text/event-stream" });
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual(["error"]);
    expect(JSON.parse(events[0].data)).toMatchObject({ code: "UPSTREAM_FAILED", status: 502, message: expect.stringContaining("400") });
  });

  it.each([
    [undefined, "send a JSON body"],
    [{}, "give a question (or a task_id)"],
    [{ question: "   " }, "question: question is empty"],
    [{ question: "q", max_retries: -1 }, "max_retries"],
    [{ question: "q", max_retries: 2.5 }, "max_retries"],
    [{ question: "q", model: "" }, "model"],
    [{ question: "q", temperature: 2 }, "temperature"],
    [{ task_id: "nope" }, "unknown task_id 'nope'"],
  ])("answers 400 with the reason for %j", async (body, reason) => {
    const requests = fake.completions().length;
    const res = await post("/agent", body);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain(reason);
    expect(fake.completions()).toHaveLength(requests);
  });

  it("answers 400 for a body that is not JSON, and for a stream request with bad input (no stream opened)", async () => {
    expect((await post("/agent", "{question:", { "content-type": "application/json" })).status).toBe(400);
    const res = await post("/agent", { question: 3 }, { accept: "text/event-stream" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/json");
  });

  it("cancels the run when the client goes away", async () => {
    fake.setHandler(() => ({ hang: true }));
    const before = fake.completions().length;
    const controller = new AbortController();
    const pending = fetch(`${svc.base}/agent`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ question: firstTask.question }),
      signal: controller.signal,
    }).then((r) => r.text());
    await expect.poll(() => fake.completions().length).toBe(before + 1);
    const request = fake.completions().at(-1)!;
    controller.abort();
    await pending.catch(() => undefined);
    await expect.poll(() => request.aborted).toBe(true);
  });
});

describe("who may call the agent and push routes", () => {
  it("needs the operator's token once ADMIN_TOKEN is set", async () => {
    const locked = await startService({
      config: { SEMA4_DB_PATH: h.dbPath, DATA_DIR: path.join(h.dir, "locked"), ADMIN_TOKEN: "operator-secret-123" },
      deps: { sandboxFactory: h.sandboxFactory },
    });
    try {
      for (const route of ["/agent", "/admin/push-dataset", "/admin/push-prompt"]) {
        const res = await fetch(`${locked.base}${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        expect(res.status).toBe(401);
      }
      const ok = await fetch(`${locked.base}/admin/push-prompt`, { method: "POST", headers: { authorization: "Bearer operator-secret-123" } });
      expect(ok.status).toBe(200);
    } finally {
      await locked.close();
    }
  });
});

describe("POST /agent without a model endpoint", () => {
  it("answers 503 naming the variables to set", async () => {
    const bare = await startService({
      config: { SEMA4_DB_PATH: h.dbPath, DATA_DIR: path.join(h.dir, "bare") },
      deps: { sandboxFactory: h.sandboxFactory },
    });
    try {
      for (const accept of ["application/json", "text/event-stream"]) {
        const res = await fetch(`${bare.base}/agent`, {
          method: "POST",
          headers: { "content-type": "application/json", accept },
          body: JSON.stringify({ question: "How many customers?" }),
        });
        expect(res.status).toBe(503);
        const message = (await res.json()).error.message;
        for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "BRAINTRUST_API_KEY"]) expect(message).toContain(name);
      }
    } finally {
      await bare.close();
    }
  });
});

describe("POST /admin/push-dataset and /admin/push-prompt", () => {
  it("upserts the twelve tasks into the local store, and a second push changes nothing", async () => {
    const first = await (await post("/admin/push-dataset")).json();
    expect(first).toMatchObject({ dataset: "SQL Gen Tasks", project: "sema4-demo", rows: 12, new_rows: 12, store: "local" });
    const rows = () =>
      h.store.db.prepare("SELECT id, input, expected, metadata, tags FROM dataset_rows WHERE dataset_id = ? ORDER BY id").all(first.dataset_id);
    const before = rows();
    const second = await (await post("/admin/push-dataset")).json();
    expect(second).toMatchObject({ rows: 12, new_rows: 0, dataset_id: first.dataset_id });
    expect(rows()).toEqual(before);
    expect(before.map((r) => (r as { id: string }).id)).toEqual(SQL_TASKS.map((t) => t.id).sort());
  });

  it("upserts the system prompt, unchanged the second time", async () => {
    const first = await (await post("/admin/push-prompt")).json();
    expect(first).toMatchObject({ slug: "sql-agent-system", changed: true, store: "local" });
    const second = await (await post("/admin/push-prompt")).json();
    expect(second).toEqual({ ...first, changed: false });
  });

  it("writes through to Braintrust when the service has a key", async () => {
    const bt = await startService({
      config: { SEMA4_DB_PATH: h.dbPath, DATA_DIR: path.join(h.dir, "bt"), BRAINTRUST_API_KEY: "sk-test" },
      deps: { sandboxFactory: h.sandboxFactory },
    });
    try {
      const res = await fetch(`${bt.base}/admin/push-dataset`, { method: "POST" });
      const body = await res.json();
      expect(body).toMatchObject({ store: "braintrust", rows: 12, new_rows: 12 });
      const stored = bt.fake.rows({ dataset_id: body.dataset_id });
      expect(stored.map((r) => r.id).sort()).toEqual(SQL_TASKS.map((t) => t.id).sort());
      expect(stored.find((r) => r.id === firstTask.id)).toMatchObject({ input: { question: firstTask.question }, expected: { gold_sql: firstTask.gold_sql } });
      const again = await (await fetch(`${bt.base}/admin/push-dataset`, { method: "POST" })).json();
      expect(again).toMatchObject({ rows: 12, new_rows: 0 });
      expect(bt.fake.rows({ dataset_id: body.dataset_id })).toHaveLength(12);

      const prompt = await (await fetch(`${bt.base}/admin/push-prompt`, { method: "POST" })).json();
      expect(prompt).toMatchObject({ store: "braintrust", slug: "sql-agent-system", changed: true });
      const saved = [...bt.fake.functions.values()].find((f) => f.slug === "sql-agent-system")!;
      expect(JSON.stringify(saved)).toContain("{{schema}}");
      expect((await (await fetch(`${bt.base}/admin/push-prompt`, { method: "POST" })).json()).changed).toBe(false);
    } finally {
      await bt.close();
    }
  });
});
