// POST /eval against the fake Braintrust API, through the real SDK: event order and payloads, the API calls
// made and the rows that land, for every captured case (a title's number is its capture, docs/wire-captures.md),
// plus the faults the reference (`braintrust eval --dev`) has and we fix (docs/devserver-protocol.md §14).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SEEDED_DATASET_ID } from "../../support/fakeBraintrust.js";
import { cases, testRegistry } from "../../support/evaluators.js";
import { postEval, startService, type RunningService, type SseEvent } from "../../support/service.js";

let svc: RunningService;
beforeAll(async () => {
  svc = await startService({ deps: { registry: testRegistry() } });
});
afterAll(() => svc.close());
beforeEach(() => svc.fake.reset());

const three = { data: [{ input: "a b", expected: "A B" }, { input: "hello", expected: "HELLO" }, { input: "x", expected: "nope" }] };
const names = (events: SseEvent[]) => events.map((e) => e.event);
const json = (e: SseEvent | undefined) => JSON.parse(e!.data);
const apiPaths = () =>
  svc.fake.calls.filter((c) => c.path !== "/api/apikey/login").map((c) => `${c.method} ${c.path}`);

describe("experiment mode (no parent)", () => {
  it("20: inline data streams start, one progress per case, summary after the rows landed, then done", async () => {
    const r = await postEval(svc, { name: "peer-demo", stream: true, data: three });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    expect(r.headers.get("cache-control")).toBe("no-cache");
    expect(names(r.events)).toEqual(["start", "progress", "progress", "progress", "summary", "done"]);
    expect(r.events.at(-1)!.data).toBe("");
    expect(r.text.endsWith("event: done\ndata: \n\n")).toBe(true);

    const start = json(r.events[0]);
    const exp = svc.fake.experimentByName(start.experimentName)!;
    // Without project_id the experiment goes to the evaluator's project, not to "worker-thread" as with the reference.
    expect(start).toMatchObject({ projectName: "peer-demo", experimentId: exp.id, scores: {}, metrics: {} });
    expect(start.experimentUrl).toBe(`${svc.fake.url}/app/test-org/p/peer-demo/experiments/${encodeURIComponent(start.experimentName)}`);

    const progress = r.events.filter((e) => e.event === "progress").map(json);
    expect(progress.map((p) => JSON.parse(p.data)).sort()).toEqual(["A B", "HELLO", "X"]);
    for (const p of progress) {
      expect(Object.keys(p)).toEqual(["format", "output_type", "event", "data", "id", "name", "object_type"]);
      expect(p).toMatchObject({ format: "code", output_type: "completion", event: "json_delta", name: "peer-demo", object_type: "task" });
    }

    const rows = svc.fake.rows({ experiment_id: exp.id });
    const roots = rows.filter((row) => (row.span_attributes as { type: string }).type === "eval");
    expect(roots.map((row) => row.id).sort()).toEqual(progress.map((p) => p.id).sort());
    expect(rows.filter((row) => (row.span_attributes as { type: string }).type === "task")).toHaveLength(3);
    const scoreRows = rows.filter((row) => (row.span_attributes as { type: string }).type === "score");
    expect(scoreRows).toHaveLength(3);
    expect(scoreRows.every((row) => (row.span_attributes as { purpose: string }).purpose === "scorer")).toBe(true);
    const root = roots.find((row) => row.input === "a b")!;
    expect(root).toMatchObject({ expected: "A B", output: "A B" });

    const summary = json(r.events.at(-2));
    expect(summary.scores.exact_match).toMatchObject({ name: "exact_match", score: 2 / 3 });
    expect(typeof summary.experimentName).toBe("string");
    const order = apiPaths();
    expect(order[0]).toBe("POST /api/experiment/register");
    expect(order.lastIndexOf("POST /logs3")).toBeLessThan(order.indexOf("GET /experiment-comparison2"));
    const register = svc.fake.callsTo("/api/experiment/register")[0];
    expect(register.body).toMatchObject({ project_name: "peer-demo", ancestor_commits: [] });
    // The server's own git checkout (these tests run in one) is not the caller's business.
    expect(register.body).not.toHaveProperty("repo_info");
    expect(register.headers.authorization).toBe("Bearer sk-test");
  });

  it("21: without stream the summary comes back as JSON", async () => {
    const res = await fetch(`${svc.base}/eval`, {
      method: "POST",
      headers: { ...svc.auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "peer-demo", data: three }),
    });
    expect(res.status).toBe(200);
    const summary = await res.json();
    expect(summary).toMatchObject({ projectName: "peer-demo", scores: { exact_match: { score: 2 / 3 } } });
    expect(svc.fake.rows({ experiment_id: summary.experimentId })).toHaveLength(9);
  });

  it("22: parameters reach the task; 23: an evaluator without parameters takes none", async () => {
    const r = await postEval(svc, { name: "peer-demo", stream: true, parameters: { prefix: ">" }, data: three });
    const outputs = r.events.filter((e) => e.event === "progress").map((e) => JSON.parse(json(e).data));
    expect(outputs.sort()).toEqual([">A B", ">HELLO", ">X"]);
    const r2 = await postEval(svc, { name: "peer-errors", stream: true, data: { data: [{ input: "ok", expected: "OK" }] } });
    expect(names(r2.events)).toEqual(["start", "progress", "summary", "done"]);
  });

  it("26: project_id and experiment_name are used for the experiment", async () => {
    const first = await postEval(svc, { name: "peer-demo", stream: true, data: three });
    const projectId = json(first.events[0]).projectId;
    const r = await postEval(svc, { name: "peer-demo", stream: true, data: three, project_id: projectId, experiment_name: "my-run" });
    expect(json(r.events[0])).toMatchObject({ projectId, experimentName: "my-run" });
    expect(svc.fake.callsTo("/api/experiment/register")[1].body).toMatchObject({ project_id: projectId, experiment_name: "my-run" });
  });

  it("24: a dataset by project and name, with _internal_btql, links the experiment to it", async () => {
    const r = await postEval(svc, {
      name: "peer-demo",
      stream: true,
      data: { project_name: "seed-project", dataset_name: "seed-dataset", _internal_btql: { limit: 3 } },
    });
    expect(names(r.events)).toEqual(["start", "progress", "progress", "progress", "summary", "done"]);
    const p = json(r.events[1]);
    expect(p.origin).toMatchObject({ object_type: "dataset", object_id: SEEDED_DATASET_ID });
    expect(p.origin.id).toMatch(/^row-\d$/);
    expect(svc.fake.callsTo("/api/dataset/register")).toHaveLength(1);
    expect(svc.fake.callsTo("/api/experiment/register")[0].body).toMatchObject({ dataset_id: SEEDED_DATASET_ID });
    expect((svc.fake.callsTo("/btql").at(-1)!.body as { query: { limit: number } }).query.limit).toBe(3);
  });

  it("25: a dataset by id", async () => {
    const r = await postEval(svc, { name: "peer-demo", stream: true, data: { dataset_id: SEEDED_DATASET_ID } });
    expect(r.events.filter((e) => e.event === "progress")).toHaveLength(10);
    expect(json(r.events.at(-2)).scores.exact_match.score).toBe(1);
    expect(svc.fake.callsTo("/api/self/get_object_info")).toHaveLength(1);
  });

  it("36: an experiment's rows as data (BaseExperiment)", async () => {
    const first = await postEval(svc, { name: "peer-demo", stream: true, data: three, experiment_name: "base-exp" });
    expect(names(first.events).at(-1)).toBe("done");
    const r = await postEval(svc, { name: "peer-demo", stream: true, data: { experiment_name: "base-exp" } });
    expect(names(r.events)).toEqual(["start", "progress", "progress", "progress", "summary", "done"]);
    expect(svc.fake.callsTo("/api/experiment/register").at(-1)!.body).toMatchObject({ base_experiment: "base-exp" });
    expect(svc.fake.callsTo("/api/experiment/get")).toHaveLength(1);
  });

  it("33: 100 cases give 100 progress events and every row lands", async () => {
    const r = await postEval(svc, { name: "peer-demo", stream: true, data: { data: cases(100) } });
    expect(r.events.filter((e) => e.event === "progress")).toHaveLength(100);
    const summary = json(r.events.at(-2));
    expect(summary.scores.exact_match.score).toBe(1);
    expect(svc.fake.rows({ experiment_id: summary.experimentId })).toHaveLength(300);
  });
});

describe("playground mode (parent)", () => {
  const parent = {
    object_type: "playground_logs",
    object_id: "0c1b5b2e-6d5e-4c55-9d5a-2b1f3e9a7c11",
    propagated_event: { span_attributes: { generation: "gen-xyz" } },
  };

  it("27: no experiment, rows under the playground log with the generation on every row, local summary", async () => {
    const r = await postEval(svc, { name: "peer-demo", stream: true, data: three, parent, project_id: "ignored" });
    expect(names(r.events)).toEqual(["progress", "progress", "progress", "summary", "done"]);
    expect(svc.fake.callsTo("/api/experiment/register")).toHaveLength(0);
    expect(json(r.events.at(-2))).toEqual({
      projectName: "peer-demo",
      experimentName: "peer-demo",
      scores: { exact_match: { name: "exact_match", score: 2 / 3, improvements: 0, regressions: 0 } },
    });
    const rows = svc.fake.rows({ prompt_session_id: parent.object_id });
    expect(rows).toHaveLength(9);
    for (const row of rows) {
      expect(row.log_id).toBe("x");
      expect((row.span_attributes as { generation: string }).generation).toBe("gen-xyz");
    }
    const scorerRows = rows.filter((row) => (row.span_attributes as { type: string }).type === "score");
    expect(scorerRows.every((row) => (row.span_attributes as { purpose: string }).purpose === "scorer")).toBe(true);
    // The generation is shared by every row; a scorer's purpose is its own, not its case's or task's.
    const others = rows.filter((row) => (row.span_attributes as { type: string }).type !== "score");
    expect(others).toHaveLength(6);
    expect(others.map((row) => (row.span_attributes as { purpose?: string }).purpose)).toEqual(others.map(() => undefined));
  });

  it("accepts parent: null as absent (the reference answered 400)", async () => {
    const r = await postEval(svc, { name: "peer-demo", stream: true, data: three, parent: null, scores: null });
    expect(names(r.events)[0]).toBe("start");
  });

  it("28: a Playground-added scorer is invoked through the proxy with the project and the org", async () => {
    const r = await postEval(
      svc,
      {
        name: "peer-demo",
        stream: true,
        parent,
        scores: [{ name: "remote_judge", function_id: { function_id: "44444444-4444-4444-8444-444444444444" } }],
        data: { data: [{ input: "a", expected: "A" }] },
      },
      { "x-bt-project-id": "proj-123" },
    );
    expect(names(r.events)).toEqual(["progress", "summary", "done"]);
    const invoke = svc.fake.callsTo("/function/invoke");
    expect(invoke).toHaveLength(1);
    expect(invoke[0].headers["x-bt-project-id"]).toBe("proj-123");
    expect(invoke[0].headers["x-bt-org-name"]).toBe("test-org");
    expect(invoke[0].body).toMatchObject({
      function_id: "44444444-4444-4444-8444-444444444444",
      input: { input: "a", expected: "A", output: "A" },
      stream: false,
      mode: "auto",
      strict: true,
    });
    expect(typeof (invoke[0].body as { parent: string }).parent).toBe("string");
    const scores = json(r.events.at(-2)).scores;
    expect(Object.values(scores).map((s) => (s as { score: number }).score)).toEqual([1, 1]);
  });
});

describe("failures", () => {
  it("30/31: a failing experiment register streams an error with its message, then done; JSON mode is a 500", async () => {
    const r = await postEval(svc, { name: "peer-demo", stream: true, data: three, experiment_name: "fail-register-1" });
    expect(names(r.events)).toEqual(["error", "done"]);
    const err = json(r.events[0]);
    expect(err.status).toBe(500);
    expect(err.message).toBeTruthy();
    const res = await fetch(`${svc.base}/eval`, {
      method: "POST",
      headers: { ...svc.auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "peer-demo", data: three, experiment_name: "fail-register-2" }),
    });
    expect(res.status).toBe(500);
    expect((await res.json()).error).toMatchObject({ status: 500 });
  });

  it("35: an unknown dataset id is an error event that says so, then done", async () => {
    const r = await postEval(svc, { name: "peer-demo", stream: true, data: { dataset_id: "00000000-0000-4000-8000-00000000dead" } });
    expect(names(r.events).slice(-2)).toEqual(["error", "done"]);
    expect(json(r.events.at(-2)).message).toMatch(/not found/i);
  });

  it("61: a throwing task fails its case only, with a progress event carrying the error (the reference sent none)", async () => {
    const r = await postEval(svc, {
      name: "peer-errors",
      stream: true,
      data: { data: [{ input: "ok", expected: "OK" }, { input: "boom", expected: "BOOM" }, { input: "scorer-boom", expected: "SCORER-BOOM" }] },
    });
    expect(names(r.events)).toEqual(["start", "progress", "progress", "progress", "summary", "done"]);
    const failed = r.events.map((e) => (e.event === "progress" ? json(e) : null)).filter((p) => p?.event === "error");
    expect(failed).toHaveLength(1);
    expect(failed[0].data).toBe("task exploded on purpose");
    const summary = json(r.events.at(-2));
    const rows = svc.fake.rows({ experiment_id: summary.experimentId });
    const failedRoot = rows.find((row) => row.id === failed[0].id)!;
    expect(String(failedRoot.error)).toContain("task exploded on purpose");
    const scorerBoom = rows.find((row) => row.input === "scorer-boom" && (row.span_attributes as { type: string }).type === "eval")!;
    expect(Object.keys((scorerBoom.metadata as { scorer_errors: object }).scorer_errors)).toEqual(["flaky_scorer"]);
    const exactRow = rows.find(
      (row) => row.root_span_id === scorerBoom.root_span_id && (row.span_attributes as { name: string }).name === "exact_match",
    )!;
    expect(exactRow.scores).toEqual({ exact_match: 1 });
  });

  it.each([
    [
      "42: unknown evaluator",
      { name: "does-not-exist", data: { data: [] } },
      404,
      { error: /^Evaluator 'does-not-exist' not found; send "name" as one of 'peer-demo', .*'peer-errors'.* \(GET \/list describes them\)$/ },
    ],
    ["45: missing name", { data: { data: [] } }, 400, { message: /^Invalid request: name: Invalid input: expected string, received undefined$/ }],
    [
      "44: missing data",
      { name: "peer-demo", stream: true },
      400,
      { message: /^Invalid request: data: expected \{data: \[\{input, expected\?, …\}, …\]\}, \{dataset_id\}, \{project_name, dataset_name\} or \{experiment_name\}$/ },
    ],
    ["51: data not an array", { name: "peer-demo", data: { data: "nope" } }, 400, { message: /^Invalid request: data: expected \{data: \[/ }],
  ])("%s", async (_n, body, status, expected) => {
    const r = await postEval(svc, body);
    expect(r.status).toBe(status);
    const parsed = JSON.parse(r.text);
    if ("error" in expected) expect(parsed).toEqual({ error: expect.stringMatching(expected.error) });
    else {
      // The reference's shape: message and zod's issues, no status.
      expect(Object.keys(parsed.error)).toEqual(["message", "errors"]);
      expect(parsed.error.message).toMatch(expected.message);
      expect(Array.isArray(parsed.error.errors)).toBe(true);
    }
  });

  it("46: a bad parameter value is a 400 naming the parameter, before anything streams", async () => {
    const r = await postEval(svc, { name: "peer-demo", stream: true, parameters: { sleep_ms: "slow" }, data: three });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error).toBe(`Invalid parameter 'sleep_ms': Invalid input: expected number, received string (sent: "slow"); send a number`);
    expect(svc.fake.callsTo("/api/experiment/register")).toHaveLength(0);
  });

  it("43: malformed JSON is a 400 with the parser's message; 48: a body that is not JSON is an invalid request", async () => {
    const bad = await fetch(`${svc.base}/eval`, { method: "POST", headers: { ...svc.auth, "content-type": "application/json" }, body: '{"name":"peer-demo",}' });
    expect(bad.status).toBe(400);
    const badBody = await bad.json();
    expect(badBody.error.status).toBe(400);
    expect(badBody.error.message).toMatch(/JSON/);
    // fetch sends a string body as text/plain.
    const none = await fetch(`${svc.base}/eval`, { method: "POST", headers: svc.auth, body: JSON.stringify({ name: "peer-demo", data: three }) });
    expect(none.status).toBe(400);
    expect((await none.json()).error).toMatchObject({
      message: 'Invalid request: send a JSON object with content-type: application/json and at least "name" and "data" (a "text/plain;charset=UTF-8" body is not read)',
      errors: [{ path: [] }],
    });
    const form = await fetch(`${svc.base}/eval`, {
      method: "POST",
      headers: { ...svc.auth, "content-type": "application/x-www-form-urlencoded" },
      body: JSON.stringify({ name: "peer-demo", data: three }),
    });
    expect(form.status).toBe(400);
  });

  it("answers malformed JSON with CORS headers only for an allowed Origin, as every response does", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${svc.base}/eval`, { method: "POST", headers: { ...svc.auth, "content-type": "application/json", ...headers }, body: '{"name":' });
    const cors = (res: Response) => Object.fromEntries([...res.headers].filter(([k]) => k.startsWith("access-control") || k === "vary"));
    const BT = "https://www.braintrust.dev";
    const allowed = await post({ origin: BT });
    expect(allowed.status).toBe(400);
    expect(cors(allowed)).toMatchObject({ "access-control-allow-origin": BT, "access-control-allow-credentials": "true", vary: "Origin" });
    for (const headers of [{}, { origin: "https://evil.example.com" }] as Record<string, string>[]) {
      const res = await post(headers);
      expect(res.status).toBe(400);
      expect(cors(res), JSON.stringify(headers)).toEqual({});
    }
  });

  it("40/41/50: no token, bad token, no org", async () => {
    const body = JSON.stringify({ name: "peer-demo", data: three });
    const post = (headers: Record<string, string>) =>
      fetch(`${svc.base}/eval`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    expect((await post({})).status).toBe(401);
    expect((await post({ "x-bt-auth-token": "bad-key", "x-bt-org-name": "test-org" })).status).toBe(401);
    const noOrg = await post({ "x-bt-auth-token": "sk-test" });
    expect(noOrg.status).toBe(400);
    expect(await noOrg.json()).toEqual({
      error: { message: "Missing x-bt-org-name header: send the name of your Braintrust org as x-bt-org-name", status: 400 },
    });
  });

  it("checks the caller before the body's schema, as the reference does: no token and a bad body is a 401", async () => {
    const res = await fetch(`${svc.base}/eval`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { message: `Unauthorized: send a Braintrust API key of your org as x-bt-auth-token (or Authorization: Bearer <key>) and the org's name as x-bt-org-name`, status: 401 } });
  });
});
