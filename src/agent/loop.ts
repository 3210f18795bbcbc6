// The SQL agent: a chat-completions tool loop. The model explores the database with sqlite3 in its sandbox, then
// calls submit_sql; the agent runs that query read-only and, when it fails or returns nothing usable, tells the
// model why and lets it resubmit, up to maxRetries times. Bounded by LLM calls and by wall-clock time; every LLM
// call, tool call and submission is a span under the run's span.
import { DEFAULT_MAX_RETRIES } from "./types.js";
import type {
  ChatCompletionMessage,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { AppError, messageOf } from "../errors.js";
import type { QueryResult, Sandbox } from "../sandbox/types.js";
import { costUsd } from "./pricing.js";
import { buildPrompt, defaultPrompt, readSchema } from "./prompt.js";
import { parseToolCall, runTool, SUBMIT_TOOL, TOOL_DEFINITIONS, type ToolName } from "./tools.js";
import type { AgentFailure, AgentOptions, AgentResult, AgentStep, AgentUsage, SqlQuestion } from "./types.js";

const DEFAULT_MAX_RESULT_ROWS = 1_000;
/** Rows of the answer shown in the trace; the full result stays in the response. */
const TRACE_ROWS = 20;

type Submission = { accepted: true; result: QueryResult } | { accepted: false; feedback: string };

class Finished extends Error {
  constructor(readonly code: AgentFailure, message: string) {
    super(message);
  }
}

const normalizeSql = (sql: string) => sql.trim().replace(/;+\s*$/, "").replace(/\s+/g, " ");

/** A fenced ```sql block in a reply that called no tool: a submission from a model that ignores tools. */
function fencedSql(text: string | null): string | undefined {
  const m = text?.match(/```sql\s*([\s\S]*?)```/i);
  return m?.[1]?.trim() || undefined;
}

const noUsage = (): AgentUsage => ({
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  cached_tokens: 0,
  llm_calls: 0,
  tool_calls: 0,
  cost_usd: null,
});

/** One run's mutable state: the steps, the usage, the last submission. */
class Run {
  readonly steps: AgentStep[] = [];
  readonly usage = noUsage();
  attempts = 0;
  lastSql: string | null = null;
  answer: string | null = null;
  private lastEmptySql: string | undefined;

  constructor(
    readonly options: AgentOptions,
    readonly sandbox: Sandbox,
    readonly signal: AbortSignal,
    readonly redact: (text: string) => string,
  ) {}

  step(step: Omit<AgentStep, "index">): void {
    const full = { index: this.steps.length + 1, ...step };
    this.steps.push(full);
    this.options.onStep?.(full);
  }

  async callModel(messages: ChatCompletionMessageParam[], params: Record<string, unknown>): Promise<ChatCompletionMessage> {
    const { model, client, span } = this.options;
    const started = performance.now();
    const completion = await client.complete(
      { model, messages, tools: TOOL_DEFINITIONS, tool_choice: "auto", ...params },
      { span, signal: this.signal },
    );
    const u = completion.usage;
    this.usage.llm_calls++;
    if (u) {
      this.usage.prompt_tokens += u.prompt_tokens;
      this.usage.completion_tokens += u.completion_tokens;
      this.usage.total_tokens += u.total_tokens;
      this.usage.cached_tokens += u.prompt_tokens_details?.cached_tokens ?? 0;
    }
    const message = completion.choices[0]?.message;
    if (!message) throw new AppError("UPSTREAM_FAILED", "the model endpoint returned no choices");
    this.step({
      kind: "llm",
      name: model,
      output: {
        content: message.content,
        tool_calls: message.tool_calls?.map((c) => (c.type === "function" ? { name: c.function.name, arguments: c.function.arguments } : { name: c.type })),
      },
      durationMs: performance.now() - started,
      usage: u ? { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens } : undefined,
    });
    return message;
  }

  async tool(call: ChatCompletionMessageFunctionToolCall): Promise<{ text: string; submission?: Submission }> {
    const parsed = parseToolCall(call.function.name, call.function.arguments);
    if (parsed.ok && parsed.name === SUBMIT_TOOL) {
      const submission = await this.submit(parsed.args.sql, parsed.args.answer);
      return { text: submission.accepted ? "Accepted." : submission.feedback, submission };
    }
    this.usage.tool_calls++;
    const started = performance.now();
    const span = this.options.span.startSpan({
      name: call.function.name,
      type: "tool",
      event: { input: parsed.ok ? parsed.args : { arguments: call.function.arguments } },
    });
    try {
      const outcome = parsed.ok
        ? await runTool(this.sandbox, parsed.name as Exclude<ToolName, typeof SUBMIT_TOOL>, parsed.args, this.signal)
        : { text: `error: ${parsed.error}`, error: parsed.error };
      const text = this.redact(outcome.text);
      span.log({ output: text, metadata: outcome.metadata, ...(outcome.error ? { error: this.redact(outcome.error) } : {}) });
      this.step({
        kind: "tool",
        name: call.function.name,
        input: parsed.ok ? parsed.args : call.function.arguments,
        output: text,
        error: outcome.error && this.redact(outcome.error),
        durationMs: performance.now() - started,
      });
      return { text };
    } catch (e) {
      span.log({ error: this.redact(messageOf(e)) });
      throw e;
    } finally {
      span.end();
    }
  }

  /** Runs the submitted query read-only; anything but a usable result is feedback for the model. */
  async submit(sql: string, answer: string): Promise<Submission> {
    this.attempts++;
    this.lastSql = sql;
    const started = performance.now();
    const span = this.options.span.startSpan({ name: SUBMIT_TOOL, type: "tool", event: { input: { sql, answer }, metadata: { attempt: this.attempts } } });
    let submission: Submission;
    try {
      const result = await this.options.runQuery(this.options.dbPath, sql, { signal: this.signal });
      if (result.truncated) {
        submission = { accepted: false, feedback: `The query returns more than ${result.rows.length} rows, which cannot be the answer. Aggregate or filter, then submit again.` };
      } else if (result.rows.length === 0 && this.lastEmptySql !== normalizeSql(sql)) {
        this.lastEmptySql = normalizeSql(sql);
        submission = {
          accepted: false,
          feedback: "The query returned no rows. Check the filters and values (NULLs, date formats, spelling). If no rows really is the answer, submit the same query again.",
        };
      } else {
        submission = { accepted: true, result };
        this.answer = answer;
      }
    } catch (e) {
      if (this.signal.aborted) throw e;
      submission = { accepted: false, feedback: `The query failed: ${this.redact(messageOf(e))}. Fix it and submit again.` };
    }
    const output = submission.accepted
      ? { columns: submission.result.columns, row_count: submission.result.rows.length, rows: submission.result.rows.slice(0, TRACE_ROWS) }
      : { feedback: submission.feedback };
    span.log({ output, ...(submission.accepted ? {} : { error: submission.feedback }) });
    span.end();
    this.step({
      kind: "submit",
      name: SUBMIT_TOOL,
      input: { sql, answer },
      output,
      error: submission.accepted ? undefined : submission.feedback,
      durationMs: performance.now() - started,
    });
    return submission;
  }
}

async function converse(run: Run, messages: ChatCompletionMessageParam[], params: Record<string, unknown>): Promise<QueryResult> {
  const { maxRetries = DEFAULT_MAX_RETRIES, maxSteps } = run.options;
  const afterRejection = () => {
    if (run.attempts > maxRetries) {
      throw new Finished("retries_exhausted", `no usable query after ${run.attempts} attempts`);
    }
  };
  for (let call = 0; call < maxSteps; call++) {
    const message = await run.callModel(messages, params);
    messages.push({ role: "assistant", content: message.content, ...(message.tool_calls?.length ? { tool_calls: message.tool_calls } : {}) });
    const calls = message.tool_calls ?? [];
    if (calls.length === 0) {
      const sql = fencedSql(message.content);
      if (!sql) {
        messages.push({ role: "user", content: `Call ${SUBMIT_TOOL} with your final SQL query and a one-sentence answer.` });
        continue;
      }
      const submission = await run.submit(sql, message.content?.replace(/```sql[\s\S]*?```/i, "").trim() ?? "");
      if (submission.accepted) return submission.result;
      messages.push({ role: "user", content: submission.feedback });
      afterRejection();
      continue;
    }
    for (const call of calls) {
      if (call.type !== "function") {
        messages.push({ role: "tool", tool_call_id: call.id, content: "error: only function tools are available" });
        continue;
      }
      const { text, submission } = await run.tool(call);
      if (submission?.accepted) return submission.result;
      messages.push({ role: "tool", tool_call_id: call.id, content: text });
      if (submission) afterRejection();
    }
  }
  throw new Finished("step_limit", `no usable query within ${maxSteps} model calls`);
}

/**
 * Answers one question with SQL. Returns the query, its rows and the run's record; a run that ends without a
 * usable query (retries, steps or time exhausted) is a result with `error`, not an exception. Throws on
 * cancellation (CANCELLED) and when the model endpoint fails (UPSTREAM_FAILED, RATE_LIMITED).
 */
export async function runSqlGenTask(task: SqlQuestion, options: AgentOptions): Promise<AgentResult> {
  const { span, model } = options;
  const { timeoutMs } = options;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Finished("time_limit", `no usable query within ${timeoutMs} ms`)), timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  const redact = options.redactor.text;
  span.log({
    input: { question: task.question, ...(task.id ? { id: task.id } : {}) },
    metadata: { model, max_retries: options.maxRetries ?? DEFAULT_MAX_RETRIES, endpoint: options.client.endpoint },
  });

  let sandbox: Sandbox | undefined;
  let run: Run | undefined;
  let result: QueryResult | undefined;
  let failure: Finished | undefined;
  try {
    sandbox = await options.sandboxFactory.create({ dbPath: options.dbPath, signal });
    run = new Run(options, sandbox, signal, redact);
    const prompt = buildPrompt(options.prompt ?? defaultPrompt(model), {
      db_path: sandbox.dbPath,
      schema: readSchema(options.dbPath),
      question: task.question,
    });
    result = await converse(run, prompt.messages, prompt.params);
  } catch (e) {
    if (options.signal?.aborted) {
      const error = new AppError("CANCELLED", "the agent run was cancelled", { cause: e });
      span.log({ error: error.message });
      throw error;
    }
    if (e instanceof Finished) failure = e;
    else if (deadline.signal.aborted) failure = deadline.signal.reason as Finished;
    else {
      span.log({ error: redact(messageOf(e)) });
      throw e;
    }
  } finally {
    clearTimeout(timer);
    await sandbox?.close().catch(() => undefined);
  }

  const usage = run?.usage ?? noUsage();
  usage.cost_usd = costUsd(model, usage);
  const maxRows = options.maxResultRows ?? DEFAULT_MAX_RESULT_ROWS;
  const out: AgentResult = {
    answer: result ? (run?.answer ?? null) : null,
    sql: run?.lastSql ?? null,
    columns: result?.columns ?? [],
    rows: result?.rows.slice(0, maxRows) ?? [],
    truncated: result ? result.truncated || result.rows.length > maxRows : false,
    attempts: run?.attempts ?? 0,
    steps: run?.steps ?? [],
    usage,
    model,
    ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
  };
  span.log({
    output: {
      answer: out.answer,
      sql: out.sql,
      columns: out.columns,
      row_count: result?.rows.length ?? 0,
      rows: out.rows.slice(0, TRACE_ROWS),
    },
    ...(out.error ? { error: out.error.message } : {}),
    metadata: { usage },
    metrics: {
      llm_calls: usage.llm_calls,
      tool_calls: usage.tool_calls,
      attempts: out.attempts,
      ...(usage.cost_usd === null ? {} : { estimated_cost: usage.cost_usd }),
    },
  });
  return out;
}
