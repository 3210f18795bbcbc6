// What the SQL agent's tests share: a seeded database in a temporary folder, the real sandbox factory, a local
// Recorder whose spans can be read back, and scripted models for the fake OpenAI server.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { testConfig, type Config } from "../../src/config.js";
import { setupDb } from "../../src/data/seed.js";
import { SQL_TASKS, type SqlTask } from "../../src/data/tasks.js";
import { createLogger } from "../../src/logger.js";
import { LocalRecorder } from "../../src/recorder/local.js";
import { LocalStore } from "../../src/recorder/localStore.js";
import { createSandboxFactory } from "../../src/sandbox/index.js";
import type { SandboxFactory } from "../../src/sandbox/types.js";
import { reply, type FakeReply, type FakeRequest, type Handler } from "./fakeOpenAI.js";

export interface AgentHarness {
  dir: string;
  dbPath: string;
  config: Config;
  sandboxFactory: SandboxFactory;
  store: LocalStore;
  recorder: LocalRecorder;
  close(): Promise<void>;
}

export async function startAgentHarness(overrides: Partial<Record<keyof Config, string>> = {}): Promise<AgentHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), "sema4-agent-"));
  // The sandbox's shell runs as an unprivileged user that must be able to reach the database file.
  chmodSync(dir, 0o755);
  const dbPath = setupDb(path.join(dir, "sema4_eval.db"));
  const config = testConfig({ SEMA4_DB_PATH: dbPath, DATA_DIR: path.join(dir, "data"), ...overrides });
  const sandboxFactory = await createSandboxFactory(config, createLogger(config));
  const store = new LocalStore(config.DATA_DIR);
  const recorder = new LocalRecorder(store);
  return {
    dir,
    dbPath,
    config,
    sandboxFactory,
    store,
    recorder,
    async close() {
      await recorder.close();
      await sandboxFactory.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface StoredSpan {
  id: string;
  span_id: string;
  root_span_id: string;
  parent_span_id: string | null;
  name: string;
  type: string | null;
  input: any;
  output: any;
  error: any;
  metadata: any;
  metrics: any;
}

/** Every span of one trace, parsed. */
export function traceSpans(store: LocalStore, rootSpanId: string): StoredSpan[] {
  const rows = store.db.prepare(`SELECT * FROM spans WHERE root_span_id = ? ORDER BY start, created`).all(rootSpanId) as Record<string, unknown>[];
  const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
  return rows.map((r) => ({
    ...(r as unknown as StoredSpan),
    input: json(r.input),
    output: json(r.output),
    error: json(r.error),
    metadata: json(r.metadata),
    metrics: json(r.metrics),
  }));
}

// ---- scripted models -----------------------------------------------------------------------------------------

export const messagesOf = (request: FakeRequest): { role: string; content: string | null; tool_calls?: unknown[] }[] =>
  request.body.messages;

/** The database path the prompt told the model about. */
export function promptDbPath(request: FakeRequest): string {
  const system = messagesOf(request).find((m) => m.role === "system")!.content!;
  return /The database is the file (\S+?)\.\s/.exec(system)![1];
}

export function questionOf(request: FakeRequest): string {
  return messagesOf(request).find((m) => m.role === "user")!.content!;
}

export const toolResults = (request: FakeRequest) => messagesOf(request).filter((m) => m.role === "tool").map((m) => m.content ?? "");

export function taskFor(request: FakeRequest): SqlTask {
  const question = questionOf(request);
  const task = SQL_TASKS.find((t) => t.question === question);
  if (!task) throw new Error(`no task has the question ${JSON.stringify(question)}`);
  return task;
}

/**
 * A model that knows the gold answers: it first counts customers with sqlite3 in its shell (so the sandbox and
 * the prompt's db path are exercised), then submits the task's gold SQL.
 */
export function oracleModel(options: { sqlFor?: (task: SqlTask, request: FakeRequest) => string } = {}): Handler {
  return (request): FakeReply => {
    const task = taskFor(request);
    if (toolResults(request).length === 0) {
      return reply.tool("bash_exec", { command: `sqlite3 ${promptDbPath(request)} "SELECT COUNT(*) FROM customers"` });
    }
    return reply.tool("submit_sql", { sql: options.sqlFor?.(task, request) ?? task.gold_sql, answer: `answer to ${task.id}` });
  };
}

export const firstTask = SQL_TASKS[0];

export interface PacedModel {
  handler: Handler;
  /** Model requests being answered now, and the most at once so far: overall and per requested model. */
  inFlight(): number;
  maxInFlight(model?: string): number;
  requests(model?: string): number;
  reset(): void;
}

/**
 * A model that takes `turnMs` to answer each turn and three turns a run, as a real one might: it runs sqlite3
 * twice in its shell, then submits the gold SQL. It counts how many requests it is answering at once, which is
 * how many agent runs are going (one request at a time per run), for each `model` the runs ask for.
 */
export function pacedModel(turnMs: number, options: { answer?: (request: FakeRequest) => FakeReply | undefined } = {}): PacedModel {
  const count = new Map<string, { now: number; max: number; total: number }>();
  const of = (model: string) => {
    let c = count.get(model);
    if (!c) count.set(model, (c = { now: 0, max: 0, total: 0 }));
    return c;
  };
  const all = () => of("\0all");
  return {
    async handler(request) {
      const counters = [all(), of(String(request.body?.model))];
      for (const c of counters) {
        c.now++;
        c.total++;
        c.max = Math.max(c.max, c.now);
      }
      try {
        await new Promise((resolve) => setTimeout(resolve, turnMs));
      } finally {
        for (const c of counters) c.now--;
      }
      const scripted = options.answer?.(request);
      if (scripted) return scripted;
      const task = taskFor(request);
      const done = toolResults(request).length;
      if (done < 2) return reply.tool("bash_exec", { command: `sqlite3 ${promptDbPath(request)} "SELECT COUNT(*) FROM ${done === 0 ? "customers" : "plans"}"` });
      return reply.tool("submit_sql", { sql: task.gold_sql, answer: `answer to ${task.id}` });
    },
    inFlight: () => all().now,
    maxInFlight: (model) => (model === undefined ? all() : of(model)).max,
    requests: (model) => (model === undefined ? all() : of(model)).total,
    reset: () => count.clear(),
  };
}
