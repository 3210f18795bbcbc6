// `sema4-demo` end to end: the tasks pushed to the fake Braintrust API as a dataset, then run from the dataset
// through /list and POST /eval as the Playground would, with the agent on the scripted fake OpenAI server. The
// rows, spans and scores are checked where they land: in the fake Braintrust API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logger.js";
import { SQL_TASKS, taskToCase } from "../../../src/data/tasks.js";
import { EvaluatorRegistry } from "../../../src/evals/runtime/registry.js";
import { createSqlGenEvaluator, sqlGenDeps } from "../../../src/evals/sema4-demo/evaluator.js";
import { Services } from "../../../src/services.js";
import type { TaskHooks } from "../../../src/evals/runtime/types.js";
import { passAtK, passHatK } from "../../../src/metrics/passk.js";
import { reply, startFakeOpenAI, type FakeOpenAI } from "../../support/fakeOpenAI.js";
import { postEval, startService, type RunningService } from "../../support/service.js";
import { promptDbPath, startAgentHarness, taskFor, toolResults, type AgentHarness } from "../../support/sqlAgentHarness.js";

let h: AgentHarness;
let fake: FakeOpenAI;
let svc: RunningService;
const submissions = new Map<string, number>();

/**
 * Explores once, then submits: the gold query on every other submission for a question, a wrong one otherwise.
 * With two trials per case exactly one passes, whatever order the trials run in.
 */
const alternating = () => {
  submissions.clear();
  return (request: Parameters<Parameters<FakeOpenAI["setHandler"]>[0] & object>[0]) => {
    const task = taskFor(request);
    if (toolResults(request).length === 0) return reply.tool("bash_exec", { command: `sqlite3 ${promptDbPath(request)} "SELECT 1"` });
    const n = submissions.get(task.id) ?? 0;
    submissions.set(task.id, n + 1);
    return reply.tool("submit_sql", { sql: n % 2 === 0 ? task.gold_sql : "SELECT 42", answer: "…" });
  };
};

beforeAll(async () => {
  h = await startAgentHarness();
  fake = await startFakeOpenAI();
  const config = { OPENAI_BASE_URL: fake.url, SEMA4_DB_PATH: h.dbPath, DATA_DIR: h.config.DATA_DIR, BRAINTRUST_API_KEY: "sk-test" };
  // The callers' org may run on the service's endpoint (the scripted fake); others would use their own AI proxy.
  const runtime = await new Services({ ...h.config, OPENAI_BASE_URL: fake.url, SERVICE_MODEL_ORGS: ["test-org"] }, { logger: createLogger(h.config), sandboxFactory: h.sandboxFactory }).agentRuntime();
  const registry = new EvaluatorRegistry();
  registry.register("sema4-demo", createSqlGenEvaluator(sqlGenDeps(runtime)));
  svc = await startService({ config, deps: { registry, sandboxFactory: h.sandboxFactory } });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
  await h?.close();
});

const type = (row: Record<string, unknown>) => (row.span_attributes as { type?: string; name?: string } | undefined)?.type;
const name = (row: Record<string, unknown>) => (row.span_attributes as { name?: string } | undefined)?.name;

describe("sema4-demo through /list and POST /eval", () => {
  it("is listed with its parameters and scores", async () => {
    const res = await fetch(`${svc.base}/list`, { headers: svc.auth });
    const listed = (await res.json())["sema4-demo"];
    expect(listed.scores).toEqual([{ name: "sql_correctness" }, { name: "pass_at_k" }, { name: "pass_exp_k" }]);
    const schema = listed.parameters.schema;
    expect(Object.keys(schema)).toEqual(["system_prompt", "model", "max_retries", "trials", "k"]);
    expect(schema.system_prompt.type).toBe("prompt");
    expect(JSON.stringify(schema.system_prompt.default)).toContain("{{schema}}");
    expect(schema.model).toEqual({ type: "model", default: "gpt-4o", description: expect.any(String) });
    expect(schema.trials).toMatchObject({ type: "data", default: 3 });
    expect(schema.k).toMatchObject({ type: "data", default: 1 });
    expect(schema.max_retries).toMatchObject({ type: "data", default: 3 });
  });

  it("runs every task of the pushed dataset `trials` times and lands rows, spans and scores in Braintrust", async () => {
    const pushed = await (await fetch(`${svc.base}/admin/push-dataset`, { method: "POST" })).json();
    expect(pushed).toMatchObject({ store: "braintrust", rows: 12 });
    fake.setHandler(alternating());

    const r = await postEval(svc, {
      name: "sema4-demo",
      stream: true,
      data: { project_name: "sema4-demo", dataset_name: "SQL Gen Tasks" },
      parameters: { trials: 2, k: 2, max_retries: 0 },
    });
    expect(r.status).toBe(200);
    const events = r.events.map((e) => e.event);
    expect(events.at(-1)).toBe("done");
    expect(events.filter((e) => e === "error")).toEqual([]);

    const summary = JSON.parse(r.events.at(-2)!.data);
    expect(summary.scores.sql_correctness.score).toBeCloseTo(0.5, 12);
    expect(summary.scores.pass_at_k.score).toBeCloseTo(passAtK(2, 1, 2), 12);
    expect(summary.scores.pass_exp_k.score).toBeCloseTo(passHatK(2, 1, 2), 12);

    // Live progress: each trial's steps as text, then the case's output.
    const progress = r.events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data));
    expect(progress.filter((p) => p.event === "text_delta").some((p) => /^trial [12]: bash_exec sqlite3/.test(p.data))).toBe(true);
    const outputs = progress.filter((p) => p.event === "json_delta").map((p) => JSON.parse(p.data));
    expect(outputs).toHaveLength(12);
    for (const o of outputs) {
      expect(o.k).toBe(2);
      expect(o.trials).toHaveLength(2);
      expect(o.trials.map((t: { sql: string }) => t.sql === "SELECT 42").sort()).toEqual([false, true]);
    }

    const experiment = svc.fake.experimentByName(JSON.parse(r.events[0].data).experimentName)!;
    const rows = svc.fake.rows({ experiment_id: experiment.id });
    const roots = rows.filter((row) => type(row) === "eval");
    expect(roots).toHaveLength(12);
    expect(roots.map((row) => (row.input as { question: string }).question).sort()).toEqual(SQL_TASKS.map((t) => t.question).sort());
    for (const root of roots) {
      const scores = rows.filter((row) => row.root_span_id === root.root_span_id && type(row) === "score").map((row) => row.scores);
      expect(Object.assign({}, ...scores)).toEqual({ sql_correctness: 0.5, pass_at_k: 1, pass_exp_k: 0 });
      expect(root.origin).toMatchObject({ object_type: "dataset", object_id: pushed.dataset_id });
    }

    // One trace: eval → task → two trials, each with its LLM and tool calls.
    const root = roots[0];
    const trace = rows.filter((row) => row.root_span_id === root.root_span_id);
    const task = trace.find((row) => type(row) === "task" && name(row) === "task")!;
    const trials = trace.filter((row) => (row.span_parents as string[] | undefined)?.includes(task.span_id as string));
    expect(trials.map(name).sort()).toEqual(["trial 1", "trial 2"]);
    for (const trial of trials) {
      const children = trace.filter((row) => (row.span_parents as string[] | undefined)?.includes(trial.span_id as string));
      expect(children.map((c) => `${type(c)}:${name(c)}`).sort()).toEqual(["llm:Chat Completion", "llm:Chat Completion", "tool:bash_exec", "tool:submit_sql"]);
      const llm = children.find((c) => type(c) === "llm")!;
      expect(llm.metrics).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: 12, tokens: expect.any(Number) });
      expect(trial.metrics).toMatchObject({ llm_calls: 2, tool_calls: 1, attempts: 1 });
    }
    const scoreSpans = trace.filter((row) => type(row) === "score").map(name).sort();
    expect(scoreSpans).toEqual(["pass_at_k", "pass_exp_k", "sql_correctness"]);
  });

  it("refuses a bad parameter with one readable sentence: the parameter, what was wrong, what it takes", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ trials: 0 }, "Invalid parameter 'trials': Too small: expected number to be >=1 (sent: 0); send a whole number from 1 to 20"],
      [{ k: "2" }, `Invalid parameter 'k': Invalid input: expected number, received string (sent: "2"); send a whole number from 1 to 20`],
      [{ model: 4 }, "Invalid parameter 'model': expected a model name (a string), got 4"],
    ];
    for (const [parameters, message] of cases) {
      const r = await postEval(svc, { name: "sema4-demo", stream: true, data: { data: [taskToCase(SQL_TASKS[0])] }, parameters });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toEqual({ error: message });
    }
  });

  it("takes the prompt, model and max_retries parameters from the request", async () => {
    const task = SQL_TASKS[1];
    fake.setHandler(() => reply.tool("submit_sql", { sql: "SELECT nope", answer: "?" }));
    const before = fake.completions().length;
    const r = await postEval(svc, {
      name: "sema4-demo",
      stream: true,
      data: { data: [taskToCase(task)] },
      parameters: {
        trials: 1,
        max_retries: 1,
        model: "my-model",
        system_prompt: { prompt: { type: "chat", messages: [{ role: "system", content: "Custom. Db: {{db_path}}" }] }, options: { model: "ignored", params: { temperature: 0.2 } } },
      },
    });
    expect(r.events.at(-1)!.event).toBe("done");
    const requests = fake.completions().slice(before);
    expect(requests).toHaveLength(2);
    expect(requests[0].body).toMatchObject({ model: "my-model", temperature: 0.2 });
    expect(requests[0].body.messages[0].content).toMatch(/^Custom\. Db: \/\S+\.db$/);
    expect(requests[0].body.messages[1]).toEqual({ role: "user", content: task.question });
    const summary = JSON.parse(r.events.at(-2)!.data);
    expect(summary.scores.sql_correctness.score).toBe(0);
  });
});

describe("sema4-demo's task on its own", () => {
  const hooks = (extra: Partial<TaskHooks>): TaskHooks => ({
    metadata: {},
    meta: () => {},
    expected: undefined,
    span: h.recorder.logSpan("sema4-demo", { name: "eval" }),
    parameters: { trials: 1, k: 1 },
    reportProgress: () => {},
    trialIndex: 0,
    tags: [],
    signal: new AbortController().signal,
    ...extra,
  });

  it("reaches models through the Braintrust AI proxy on a Playground caller's token when the service has no endpoint", async () => {
    const runtime = await new Services(h.config, { logger: createLogger(h.config), sandboxFactory: h.sandboxFactory }).agentRuntime();
    expect(runtime.modelAccess).toBeUndefined();
    const evaluator = createSqlGenEvaluator(sqlGenDeps(runtime));
    const proxy = await startFakeOpenAI({ apiKey: "caller-token-123" });
    try {
      proxy.setHandler(() => reply.tool("submit_sql", { sql: "SELECT 1", answer: "1" }));
      const caller = { id: "test-org:caller", token: "caller-token-123", proxyUrl: proxy.origin, orgName: "test-org" };
      const output = (await evaluator.task({ question: "One?" }, hooks({ caller }))) as { trials: { sql: string }[] };
      expect(output.trials[0].sql).toBe("SELECT 1");
      const request = proxy.completions()[0];
      expect(request.path).toBe("/v1/proxy/chat/completions");
      expect(request.headers["x-bt-org-name"]).toBe("test-org");

      await expect(Promise.resolve(evaluator.task({ question: "One?" }, hooks({})))).rejects.toMatchObject({ code: "NOT_CONFIGURED" });
    } finally {
      await proxy.close();
    }
  });

  it("refuses a case whose input is not a question, and fails a case whose every trial fails", async () => {
    const runtime = await new Services({ ...h.config, OPENAI_BASE_URL: fake.url }, { logger: createLogger(h.config), sandboxFactory: h.sandboxFactory }).agentRuntime();
    const evaluator = createSqlGenEvaluator(sqlGenDeps(runtime));
    await expect(Promise.resolve(evaluator.task({ nope: 1 }, hooks({})))).rejects.toMatchObject({ code: "BAD_REQUEST" });
    fake.setHandler(() => reply.error(401, "bad key"));
    await expect(Promise.resolve(evaluator.task("One?", hooks({ parameters: { trials: 2, k: 1 } })))).rejects.toMatchObject({
      code: "UPSTREAM_FAILED",
    });
  });
});

describe("sema4-demo when the model endpoint fails", () => {
  it("a question whose model calls keep failing fails that case only; the run completes", async () => {
    const [bad, good] = [SQL_TASKS[2], SQL_TASKS[3]];
    fake.setHandler((request) => {
      const task = taskFor(request);
      if (task.id === bad.id) return reply.error(500, "model server on fire");
      return reply.tool("submit_sql", { sql: task.gold_sql, answer: "ok" });
    });
    const r = await postEval(svc, {
      name: "sema4-demo",
      stream: true,
      data: { data: [taskToCase(bad), taskToCase(good)] },
      parameters: { trials: 1, max_retries: 0 },
    });
    expect(r.events.map((e) => e.event).slice(-2)).toEqual(["summary", "done"]);
    const finished = r.events
      .filter((e) => e.event === "progress")
      .map((e) => JSON.parse(e.data))
      .filter((p) => p.event === "json_delta" || p.event === "error");
    expect(finished).toHaveLength(2);
    const summary = JSON.parse(r.events.at(-2)!.data);
    const experiment = svc.fake.experimentByName(summary.experimentName)!;
    const rows = svc.fake.rows({ experiment_id: experiment.id });
    const rootOf = (t: typeof bad) => rows.find((row) => type(row) === "eval" && (row.input as { question: string }).question === t.question)!;
    const scoresOf = (t: typeof bad) =>
      Object.assign({}, ...rows.filter((row) => row.root_span_id === rootOf(t).root_span_id && type(row) === "score").map((row) => row.scores));
    expect(scoresOf(good)).toMatchObject({ sql_correctness: 1 });
    // The failing case is recorded as failed (an error on its row, or a zero score), never as a pass.
    const badRoot = rootOf(bad);
    expect(badRoot.error !== undefined || scoresOf(bad).sql_correctness === 0).toBe(true);
    expect(JSON.stringify(badRoot)).toMatch(/model server on fire|500/);
  });
});
