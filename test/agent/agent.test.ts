// The agent against the scripted fake OpenAI server (real `openai` SDK, real socket), the real sandbox and a
// real SQLite database; spans land in the local Recorder and are read back.
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runSqlGenTask } from "../../src/agent/loop.js";
import { createModelClient } from "../../src/agent/modelClient.js";
import type { AgentOptions, AgentStep } from "../../src/agent/types.js";
import { SQL_TASKS } from "../../src/data/tasks.js";
import { AppError } from "../../src/errors.js";
import { createSecretRedactor } from "../../src/lib/secretRedactor.js";
import { sqlExecutionMatch } from "../../src/evals/sema4-demo/scorers/sql.js";
import { reply, startFakeOpenAI, type FakeOpenAI } from "../support/fakeOpenAI.js";
import { encodings, leaks } from "../support/secretForms.js";
import {
  firstTask,
  messagesOf,
  oracleModel,
  promptDbPath,
  startAgentHarness,
  toolResults,
  traceSpans,
  type AgentHarness,
} from "../support/sqlAgentHarness.js";

const API_KEY = "sk-test-0123456789abcdef-secret";
let h: AgentHarness;
let fake: FakeOpenAI;

beforeAll(async () => {
  h = await startAgentHarness();
  fake = await startFakeOpenAI({ apiKey: API_KEY });
});
afterAll(async () => {
  await fake?.close();
  await h?.close();
});
afterEach(() => {
  fake.setHandler(undefined);
  fake.requests.length = 0;
});

function options(extra: Partial<AgentOptions> = {}): AgentOptions {
  return {
    dbPath: h.dbPath,
    model: "gpt-4o",
    client: createModelClient({ provider: "compatible", baseURL: fake.url, apiKey: API_KEY }, { maxRetryDelayMs: 2_000 }),
    sandboxFactory: h.sandboxFactory,
    runQuery: h.sandboxFactory.runQuery,
    span: h.recorder.logSpan("sema4-demo", { name: "sql_agent", type: "task" }),
    redactor: createSecretRedactor([API_KEY]),
    maxSteps: h.config.AGENT_MAX_STEPS,
    timeoutMs: h.config.AGENT_TIMEOUT_MS,
    ...extra,
  };
}

const counts = () => {
  const db = new Database(h.dbPath, { readonly: true });
  try {
    return ["plans", "customers", "transactions"].map((t) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n);
  } finally {
    db.close();
  }
};

describe("the SQL agent", () => {
  it("answers all twelve tasks correctly when the model submits the gold queries", async () => {
    fake.setHandler(oracleModel());
    const results = [];
    for (let i = 0; i < SQL_TASKS.length; i += 4) {
      results.push(...(await Promise.all(SQL_TASKS.slice(i, i + 4).map((t) => runSqlGenTask({ question: t.question, id: t.id }, options())))));
    }
    for (const [i, result] of results.entries()) {
      const task = SQL_TASKS[i];
      expect(result.error).toBeUndefined();
      expect(result.sql).toBe(task.gold_sql);
      expect(result.answer).toBe(`answer to ${task.id}`);
      expect(result.attempts).toBe(1);
      expect(result.steps.map((s) => `${s.kind}:${s.name}`)).toEqual(["llm:gpt-4o", "tool:bash_exec", "llm:gpt-4o", "submit:submit_sql"]);
      const match = await sqlExecutionMatch(task.gold_sql, result.sql!, { dbPaths: [h.dbPath], runQuery: h.sandboxFactory.runQuery });
      expect(match.score).toBe(1);
    }
    // The model saw the schema and the database path, and its sqlite3 ran in the sandbox against that path.
    const second = fake.completions().find((r) => toolResults(r).length > 0)!;
    const system = messagesOf(second)[0].content!;
    expect(system).toContain("CREATE TABLE customers");
    expect(system).toContain(promptDbPath(second));
    expect(toolResults(second)[0]).toMatch(/exit code: 0[\s\S]*--- stdout ---\n300\n/);
    expect(second.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
      "bash_exec",
      "read_file",
      "write_file",
      "list_dir",
      "submit_sql",
    ]);
  });

  it("traces every LLM and tool call under the run's span, with inputs, outputs, durations and tokens", async () => {
    fake.setHandler(oracleModel());
    const opts = options();
    const result = await runSqlGenTask({ question: firstTask.question }, opts);
    opts.span.end();
    const spans = traceSpans(h.store, opts.span.rootSpanId);
    const root = spans.find((s) => s.parent_span_id === null)!;
    expect(root.name).toBe("sql_agent");
    expect(root.input).toEqual({ question: firstTask.question });
    expect(root.output).toMatchObject({ sql: firstTask.gold_sql, columns: result.columns, row_count: result.rows.length });
    expect(root.metrics).toMatchObject({ llm_calls: 2, tool_calls: 1, attempts: 1, estimated_cost: expect.any(Number) });
    const children = spans.filter((s) => s.parent_span_id === root.span_id);
    expect(children.map((s) => `${s.type}:${s.name}`)).toEqual(["llm:Chat Completion", "tool:bash_exec", "llm:Chat Completion", "tool:submit_sql"]);
    const [llm, bash] = children;
    expect(llm.input[0].role).toBe("system");
    expect(llm.output[0].message.tool_calls[0].function.name).toBe("bash_exec");
    expect(llm.metrics).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: 12, tokens: expect.any(Number) });
    expect(llm.metadata).toMatchObject({ model: "gpt-4o", provider: "compatible", attempts: 1 });
    expect(bash.input).toEqual({ command: expect.stringContaining("SELECT COUNT(*) FROM customers") });
    expect(bash.output).toContain("300");
    expect(bash.metadata).toMatchObject({ exit_code: 0 });
    for (const s of children) expect(s.metrics.end).toBeGreaterThanOrEqual(s.metrics.start);
    expect(result.usage).toMatchObject({ llm_calls: 2, tool_calls: 1, completion_tokens: 24 });
    expect(result.usage.total_tokens).toBe(result.usage.prompt_tokens + 24);
    expect(result.usage.cost_usd).toBeCloseTo((result.usage.prompt_tokens * 2.5 + 24 * 10) / 1e6, 12);
  });

  it("feeds a failing query back to the model and accepts the fixed one", async () => {
    fake.setHandler((req) => {
      const results = toolResults(req);
      if (results.length === 0) return reply.tool("submit_sql", { sql: "SELECT nme FROM customers", answer: "?" });
      return reply.tool("submit_sql", { sql: firstTask.gold_sql, answer: "fixed" });
    });
    const result = await runSqlGenTask({ question: firstTask.question }, options());
    expect(result.error).toBeUndefined();
    expect(result.attempts).toBe(2);
    expect(result.answer).toBe("fixed");
    const feedback = toolResults(fake.completions()[1])[0];
    expect(feedback).toMatch(/^The query failed: .*no such column: nme/);
    expect(result.steps.filter((s) => s.kind === "submit").map((s) => s.error === undefined)).toEqual([false, true]);
  });

  it("stops after max_retries resubmissions and says so", async () => {
    fake.setHandler(() => reply.tool("submit_sql", { sql: "SELECT * FROM nowhere", answer: "?" }));
    const result = await runSqlGenTask({ question: firstTask.question }, options({ maxRetries: 2 }));
    expect(result.attempts).toBe(3);
    expect(result.error).toEqual({ code: "retries_exhausted", message: "no usable query after 3 attempts" });
    expect(result.sql).toBe("SELECT * FROM nowhere");
    expect(result.answer).toBeNull();
    expect(fake.completions()).toHaveLength(3);
  });

  it("questions an empty result once, and accepts it when the model resubmits it unchanged", async () => {
    const empty = "SELECT id FROM customers WHERE status = 'gone'";
    fake.setHandler(() => reply.tool("submit_sql", { sql: empty, answer: "nobody" }));
    const result = await runSqlGenTask({ question: "Which customers are gone?" }, options());
    expect(result.attempts).toBe(2);
    expect(result.error).toBeUndefined();
    expect(result.rows).toEqual([]);
    expect(result.columns).toEqual(["id"]);
    expect(toolResults(fake.completions()[1])[0]).toContain("returned no rows");
  });

  it("refuses a writing query, leaving the database as it was", async () => {
    const before = counts();
    fake.setHandler((req) =>
      toolResults(req).length === 0
        ? reply.tool("submit_sql", { sql: "DELETE FROM customers", answer: "done" })
        : reply.tool("submit_sql", { sql: "SELECT COUNT(*) FROM customers", answer: "300" }),
    );
    const result = await runSqlGenTask({ question: "How many customers?" }, options());
    expect(toolResults(fake.completions()[1])[0]).toMatch(/^The query failed: .*read-only/);
    expect(result.rows).toEqual([[300]]);
    expect(counts()).toEqual(before);
  });

  it("accepts a final answer given as a fenced sql block by a model that does not call submit_sql", async () => {
    fake.enqueue(reply.text("Let me think."), reply.text(`The answer:\n\`\`\`sql\n${firstTask.gold_sql}\n\`\`\``));
    const result = await runSqlGenTask({ question: firstTask.question }, options());
    expect(result.error).toBeUndefined();
    expect(result.sql).toBe(firstTask.gold_sql);
    expect(result.answer).toBe("The answer:");
    expect(messagesOf(fake.completions()[1]).at(-1)).toEqual({ role: "user", content: expect.stringContaining("Call submit_sql") });
  });

  it("answers bad tool calls with an error the model can act on", async () => {
    fake.enqueue(
      reply.tools({ name: "rm_rf", arguments: {} }, { name: "bash_exec", arguments: "{not json" }, { name: "read_file", arguments: { file: "x" } }),
      reply.tool("submit_sql", { sql: "SELECT 1", answer: "one" }),
    );
    const result = await runSqlGenTask({ question: "One?" }, options());
    expect(result.rows).toEqual([[1]]);
    const [unknown, badJson, badArgs] = toolResults(fake.completions()[1]);
    expect(unknown).toMatch(/^error: unknown tool 'rm_rf'/);
    expect(badJson).toBe("error: the arguments are not valid JSON");
    expect(badArgs).toMatch(/^error: invalid arguments: path:/);
  });

  it("uses the workspace file tools", async () => {
    fake.enqueue(
      reply.tool("write_file", { path: "notes/q.sql", content: "SELECT 42" }),
      reply.tools({ name: "list_dir", arguments: { path: "notes" } }, { name: "read_file", arguments: { path: "notes/q.sql" } }, { name: "bash_exec", arguments: { command: "cat notes/q.sql | wc -c" } }),
      reply.tool("submit_sql", { sql: "SELECT 42", answer: "42" }),
    );
    const result = await runSqlGenTask({ question: "42?" }, options());
    expect(result.rows).toEqual([[42]]);
    expect(toolResults(fake.completions()[1])).toEqual(["wrote 9 bytes to notes/q.sql"]);
    const [list, read, wc] = toolResults(fake.completions()[2]).slice(1);
    expect(list).toBe("q.sql\t9 bytes");
    expect(read).toBe("SELECT 42");
    expect(wc).toContain("--- stdout ---\n9\n");
  });

  it("stops at the step limit", async () => {
    fake.setHandler(() => reply.tool("list_dir", {}));
    const result = await runSqlGenTask({ question: "Loop?" }, options({ maxSteps: 3 }));
    expect(result.error?.code).toBe("step_limit");
    expect(result.usage.llm_calls).toBe(3);
    expect(result.attempts).toBe(0);
  });
});

describe("the agent and a misbehaving model endpoint", () => {
  it("waits out a 429's retry-after and retries", async () => {
    fake.enqueue(reply.error(429, "slow down", { "retry-after": "0.2" }));
    fake.setHandler(oracleModel());
    const opts = options();
    const result = await runSqlGenTask({ question: firstTask.question }, opts);
    expect(result.error).toBeUndefined();
    expect(fake.completions()).toHaveLength(3);
    const llm = traceSpans(h.store, opts.span.rootSpanId).filter((s) => s.type === "llm");
    expect(llm.map((s) => s.metadata.attempts)).toEqual([2, 1]);
  });

  it("gives up at once on a retry-after beyond its cap, saying when to retry", async () => {
    fake.setHandler(() => reply.error(429, "quota", { "retry-after": "3600" }));
    const error = await runSqlGenTask({ question: firstTask.question }, options()).catch((e) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "RATE_LIMITED", retryAfter: 3600 });
    expect(fake.completions()).toHaveLength(1);
  });

  it("retries a 5xx", async () => {
    fake.enqueue(reply.error(503, "overloaded", { "retry-after-ms": "20" }), reply.error(500, "oops"));
    fake.setHandler(oracleModel());
    const result = await runSqlGenTask({ question: firstTask.question }, options());
    expect(result.error).toBeUndefined();
    expect(fake.completions()).toHaveLength(4);
  });

  it("fails with the endpoint's status on a refused key, never showing the key", async () => {
    const opts = options({ client: createModelClient({ provider: "compatible", baseURL: fake.url, apiKey: "sk-wrong-key-0000" }) });
    const error = await runSqlGenTask({ question: firstTask.question }, opts).catch((e) => e);
    expect(error).toMatchObject({ code: "UPSTREAM_FAILED", message: expect.stringContaining("401") });
    expect(error.message).not.toContain("sk-wrong-key");
    const root = traceSpans(h.store, opts.span.rootSpanId).find((s) => s.parent_span_id === null)!;
    expect(root.error).toContain("401");
  });

  it("is cancelled mid-call: the request is dropped and the run rejects with CANCELLED", async () => {
    fake.setHandler(() => ({ hang: true }));
    const controller = new AbortController();
    const steps: AgentStep[] = [];
    const opts = options({ signal: controller.signal, onStep: (s) => steps.push(s) });
    const running = runSqlGenTask({ question: firstTask.question }, opts);
    while (fake.completions().length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const error = await running.catch((e) => e);
    expect(error).toMatchObject({ code: "CANCELLED" });
    await expect.poll(() => fake.completions()[0].aborted).toBe(true);
    expect(steps).toEqual([]);
    const root = traceSpans(h.store, opts.span.rootSpanId).find((s) => s.parent_span_id === null)!;
    expect(root.error).toBe("the agent run was cancelled");
  });

  it("is cancelled mid-command: the shell command is stopped", async () => {
    fake.enqueue(reply.tool("bash_exec", { command: "sleep 30" }));
    const controller = new AbortController();
    const opts = options({ signal: controller.signal, onStep: () => {} });
    const running = runSqlGenTask({ question: firstTask.question }, opts);
    await expect.poll(() => traceSpans(h.store, opts.span.rootSpanId).some((s) => s.name === "bash_exec")).toBe(true);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: "CANCELLED" });
  });

  it("ends with time_limit when the wall clock runs out during a slow response", async () => {
    fake.setHandler(() => ({ content: "late", delayMs: 3_000 }));
    const result = await runSqlGenTask({ question: firstTask.question }, options({ timeoutMs: 300 }));
    expect(result.error?.code).toBe("time_limit");
    expect(result.sql).toBeNull();
  });
});

describe("the agent and escape attempts by the model", () => {
  it("keeps the database, the host, the network and the service's secrets out of the model's reach", async () => {
    const before = counts();
    const marker = `${h.dir}-escaped`;
    const port = new URL(fake.url).port;
    const attempts = [
      { name: "bash_exec", arguments: { command: `sqlite3 /data/sema4_eval.db "DELETE FROM customers"; echo rc=$?` } },
      { name: "bash_exec", arguments: { command: `echo pwned > ${marker}; ls ${marker}` } },
      { name: "bash_exec", arguments: { command: `env; cat /proc/1/environ; cat /proc/$PPID/environ` } },
      { name: "bash_exec", arguments: { command: `(exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET /escape HTTP/1.0\\r\\n\\r\\n' >&3) 2>&1; echo net=$?` } },
      { name: "bash_exec", arguments: { command: `cat ${process.cwd()}/package.json` } },
      { name: "write_file", arguments: { path: `../../${marker.split("/").pop()}`, content: "x" } },
      { name: "read_file", arguments: { path: "/etc/passwd" } },
      { name: "list_dir", arguments: { path: "../.." } },
    ];
    fake.enqueue(reply.tools(...attempts), reply.tool("submit_sql", { sql: "SELECT COUNT(*) FROM customers", answer: "300" }));
    const result = await runSqlGenTask({ question: "How many customers?" }, options());

    expect(result.rows).toEqual([[300]]);
    expect(counts()).toEqual(before);
    expect(existsSync(marker)).toBe(false);
    expect(fake.requests.some((r) => r.path === "/escape")).toBe(false);
    const outputs = toolResults(fake.completions()[1]);
    expect(outputs).toHaveLength(attempts.length);
    expect(outputs[0]).toMatch(/exit code: 0[\s\S]*rc=[1-9]/); // the shell ran; sqlite3 could not write
    expect(outputs[4]).not.toContain('"name": "sema4-demo"');
    expect(outputs[5]).toMatch(/^error: .*outside the workspace/);
    expect(outputs[6]).toMatch(/^error: .*outside the workspace/);
    expect(outputs[7]).toMatch(/^error: .*outside the workspace/);
    // The key reaches the endpoint in the Authorization header and nowhere else: not in a tool result, not in
    // anything the model was sent, not in the trace.
    for (const r of fake.completions()) expect(JSON.stringify(r.body)).not.toContain(API_KEY);
    const dump = JSON.stringify(h.store.db.prepare("SELECT * FROM spans").all());
    expect(dump).not.toContain(API_KEY);
  });

  it("redacts a secret that a tool output happens to contain", async () => {
    fake.enqueue(reply.tool("bash_exec", { command: `echo ${API_KEY.slice(0, 10)}""${API_KEY.slice(10)}` }), reply.tool("submit_sql", { sql: "SELECT 1", answer: "1" }));
    const result = await runSqlGenTask({ question: "Echo?" }, options());
    const echoed = toolResults(fake.completions()[1])[0];
    expect(echoed).toContain("[redacted]");
    expect(echoed).not.toContain(API_KEY);
    expect(JSON.stringify(result.steps)).not.toContain(API_KEY);
  });

  it("redacts a secret that a tool output prints encoded, also inside a longer base64 stream", async () => {
    const env = `PATH=/usr/bin\nOPENAI_API_KEY=${API_KEY}\nHOME=/root\n`;
    // base64(1) wraps at 76 columns; the prefixes put the key at each of the three byte alignments.
    const wrapped = (text: string) => text.match(/.{1,76}/g)!.join("\n");
    const printed = [
      ...Object.values(encodings).map((encode) => encode(API_KEY)),
      ...["", "X", "XY"].map((prefix) => wrapped(Buffer.from(prefix + env).toString("base64"))),
      Buffer.from(env).toString("base64url"),
    ];
    // The shell joins the two quoted halves, so the command itself carries no whole form of the key.
    const command = (text: string) => `printf '%s\\n' '${text.slice(0, text.length / 2)}''${text.slice(text.length / 2)}'`;
    fake.enqueue(
      reply.tools(...printed.map((text) => ({ name: "bash_exec", arguments: { command: command(text) } }))),
      reply.tool("submit_sql", { sql: "SELECT 1", answer: "1" }),
    );
    const result = await runSqlGenTask({ question: "Echo?" }, options());
    const outputs = toolResults(fake.completions()[1]);
    expect(outputs).toHaveLength(printed.length);
    for (const [i, output] of outputs.entries()) {
      expect(output, printed[i]).toMatch(/^exit code: 0\n--- stdout ---\n[\s\S]*\[redacted\]/);
      expect(leaks(output, [API_KEY]), printed[i]).toEqual([]);
    }
    expect(leaks(JSON.stringify(result.steps), [API_KEY])).toEqual([]);
    expect(leaks(JSON.stringify(h.store.db.prepare("SELECT * FROM spans").all()), [API_KEY])).toEqual([]);
  });
});
