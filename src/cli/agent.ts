// npm run agent -- "<question>" [--model M] [--max-retries N] [--task ID]
// The same agent as POST /agent, without HTTP: steps on stderr as they happen; the answer, the SQL, the rows as
// a table and where the trace went on stdout.
import { parseArgs } from "node:util";
import type { AgentStep } from "../agent/types.js";
import { loadProcessConfig } from "../config.js";
import { SQL_TASKS } from "../data/tasks.js";
import { isAppError, messageOf } from "../errors.js";
import { askSqlAgent, type AskResponse } from "../agent/ask.js";
import { createCliLogger } from "../logger.js";
import { Services } from "../services.js";
import { absoluteLink } from "../viewer/links.js";

const USAGE = `Usage: npm run agent -- "<question>" [--model MODEL] [--max-retries N] [--task TASK_ID]

  --model        the model (default: AGENT_MODEL)
  --max-retries  resubmissions after a query that fails or returns nothing (default: 3)
  --task         one of the built-in tasks: asks its question (unless one is given) and scores the answer
                 (${SQL_TASKS.map((t) => t.id).join(", ")})

The model endpoint: OPENAI_API_KEY, OPENAI_BASE_URL or BRAINTRUST_API_KEY (see README, The SQL agent).
The trace goes to Braintrust when BRAINTRUST_API_KEY is set, else to the local store under DATA_DIR.`;

const SHOWN_ROWS = 50;

function cell(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return String(v);
}

/** Rows as an aligned text table; numbers to the right. */
function rowsTable(columns: string[], rows: unknown[][]): string {
  const shown = rows.slice(0, SHOWN_ROWS).map((r) => r.map(cell));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number" || r[i] === null));
  const widths = columns.map((c, i) => Math.max(c.length, ...shown.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ").trimEnd();
  const out = [line(columns), widths.map((w) => "-".repeat(w)).join("-+-"), ...shown.map(line)];
  if (rows.length > SHOWN_ROWS) out.push(`… ${rows.length - SHOWN_ROWS} more rows`);
  return out.join("\n");
}

function stepLine(step: AgentStep): string {
  const ms = `${Math.round(step.durationMs)} ms`;
  if (step.kind === "llm") return `  [${step.index}] ${step.name} (${ms})`;
  const input = step.input as { command?: string; path?: string; sql?: string } | undefined;
  const what = (input?.command ?? input?.path ?? input?.sql ?? "").replace(/\s+/g, " ").slice(0, 100);
  return `  [${step.index}] ${step.name} ${what} (${ms})${step.error ? ` → ${step.error.split("\n")[0].slice(0, 120)}` : ""}`;
}

function report(r: AskResponse, localStorePath: string, service: { host: string; port: number }): string {
  const u = r.usage;
  const lines = [
    `Answer: ${r.answer ?? "(none)"}`,
    "",
    "SQL:",
    ...(r.sql ?? "(none)").split("\n").map((l) => `  ${l}`),
    "",
    `Rows (${r.rows.length}${r.truncated ? "+" : ""}):`,
    ...(r.columns.length ? rowsTable(r.columns, r.rows).split("\n").map((l) => `  ${l}`) : ["  (none)"]),
    "",
  ];
  if (r.score) lines.push(`Score: sql_correctness = ${r.score.sql_correctness ?? "n/a"} (${r.score.reason})`);
  if (r.error) lines.push(`Stopped: ${r.error.message}`);
  lines.push(
    `Model ${r.model}: ${r.attempts} attempt(s), ${r.steps.length} steps, ${u.total_tokens} tokens ` +
      `(${u.prompt_tokens} in, ${u.completion_tokens} out)${u.cost_usd === null ? "" : `, $${u.cost_usd.toFixed(4)}`}`,
    r.trace.store === "braintrust"
      ? `Trace: Braintrust, project "${r.trace.project}", Logs, root span ${r.trace.root_span_id}`
      : `Trace: local store ${localStorePath}, project "${r.trace.project}" logs, root span ${r.trace.root_span_id}`,
  );
  if (r.trace.viewer_url) lines.push(`Viewer: ${absoluteLink(r.trace.viewer_url, service)}`);
  return lines.join("\n");
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        model: { type: "string" },
        "max-retries": { type: "string" },
        task: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`${messageOf(e)}\n\n${USAGE}\n`);
    return 2;
  }
  const question = args.positionals.join(" ").trim();
  const maxRetries = args.values["max-retries"] === undefined ? undefined : Number(args.values["max-retries"]);
  if (args.values.help || (!question && !args.values.task) || (maxRetries !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0))) {
    process.stderr.write(`${USAGE}\n`);
    return args.values.help ? 0 : 2;
  }

  const config = loadProcessConfig();
  // Only warnings on stderr, among the steps; stdout is the answer.
  const logger = createCliLogger(config);
  const services = new Services(config, { logger });
  const recorder = await services.recorder();
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  try {
    const result = await askSqlAgent(
      await services.agentRuntime(),
      { recorder, project: config.BRAINTRUST_PROJECT },
      { question: question || undefined, task_id: args.values.task, model: args.values.model, max_retries: maxRetries },
      { signal: controller.signal, onStep: (s) => process.stderr.write(`${stepLine(s)}\n`) },
    );
    process.stdout.write(`${report(result, (await services.localStore()).path, { host: config.HOST, port: config.PORT })}\n`);
    return result.error ? 1 : 0;
  } catch (e) {
    process.stderr.write(`agent failed: ${isAppError(e) ? e.message : messageOf(e)}\n`);
    return isAppError(e) && (e.code === "NOT_CONFIGURED" || e.code === "BAD_REQUEST") ? 2 : 1;
  } finally {
    await services.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`agent failed: ${messageOf(e)}\n`);
    process.exit(1);
  },
);
