// The /agent use case (POST /agent, `npm run agent`): one question, or one built-in task scored against its gold
// query with the evaluator's own scorer, asked of the agent and traced as one root span in the project's logs.
import { runSqlGenTask } from "./loop.js";
import { MODEL_NOT_CONFIGURED, type ModelAccess } from "./modelClient.js";
import type { AgentRuntime } from "./runtime.js";
import type { AgentResult, AgentStep } from "./types.js";
import { SQL_TASKS, type SqlTask } from "../data/tasks.js";
import { AppError } from "../errors.js";
import { createSqlScorers } from "../evals/sema4-demo/scorers/sql.js";
import type { Recorder } from "../recorder/types.js";
import { viewerLinks } from "../viewer/links.js";

export interface AskRequest {
  question?: string;
  /** One of the built-in tasks: its question is asked (unless another is given) and the answer is scored. */
  task_id?: string;
  model?: string;
  max_retries?: number;
}

export interface AskResponse extends AgentResult {
  /** `viewer_url`: the trace's page in the service's viewer, when it went to the local store. */
  trace: { store: Recorder["kind"]; project: string; id: string; root_span_id: string; viewer_url?: string };
  /** For a task: execution accuracy of the answer against the task's gold query. */
  score?: { sql_correctness: number | null; reason?: string };
}

/** Checks a request before anything runs: its question or task, and that a model endpoint is configured. */
export function prepareAsk(runtime: AgentRuntime, request: AskRequest): { question: string; task?: SqlTask; access: ModelAccess } {
  let task: SqlTask | undefined;
  if (request.task_id !== undefined) {
    task = SQL_TASKS.find((t) => t.id === request.task_id);
    if (!task) {
      throw new AppError("BAD_REQUEST", `unknown task_id '${request.task_id}'; the tasks are ${SQL_TASKS.map((t) => t.id).join(", ")}`);
    }
  }
  const question = request.question?.trim() || task?.question;
  if (!question) throw new AppError("BAD_REQUEST", "give a question (or a task_id)");
  if (!runtime.modelAccess) throw new AppError("NOT_CONFIGURED", MODEL_NOT_CONFIGURED);
  return { question, task, access: runtime.modelAccess };
}

/** Asks the agent one question, traced as one root span in the project's logs. */
export async function askSqlAgent(
  runtime: AgentRuntime,
  where: { recorder: Recorder; project: string },
  request: AskRequest,
  options: { signal?: AbortSignal; onStep?: (step: AgentStep) => void } = {},
): Promise<AskResponse> {
  const { question, task, access } = prepareAsk(runtime, request);
  const span = where.recorder.logSpan(where.project, {
    name: "sql_agent",
    type: "task",
    event: task ? { tags: ["sql-gen", task.id], expected: { gold_sql: task.gold_sql } } : undefined,
  });
  const trace = {
    store: where.recorder.kind,
    project: where.project,
    id: span.id,
    root_span_id: span.rootSpanId,
    ...(where.recorder.kind === "local" ? { viewer_url: viewerLinks.trace("project_logs", where.project, span.rootSpanId) } : {}),
  };
  try {
    const result = await runSqlGenTask(
      { question, id: task?.id },
      {
        dbPath: runtime.dbPath,
        model: request.model ?? runtime.defaults.model,
        client: runtime.modelClient(access),
        sandboxFactory: runtime.sandboxFactory,
        runQuery: runtime.sandboxFactory.runQuery,
        span,
        maxRetries: request.max_retries,
        maxSteps: runtime.defaults.maxSteps,
        timeoutMs: runtime.defaults.timeoutMs,
        signal: options.signal,
        onStep: options.onStep,
        redactor: runtime.redactor,
      },
    );
    if (!task) return { ...result, trace };
    const { sql_correctness } = createSqlScorers({ dbPath: runtime.dbPath, runQuery: runtime.sandboxFactory.runQuery });
    const scored = await sql_correctness({ output: { trials: [{ sql: result.sql }], k: 1 }, expected: { gold_sql: task.gold_sql } });
    span.log({ scores: { sql_correctness: scored.score } });
    const reason = (scored.metadata?.trials as { reason?: string }[] | undefined)?.[0]?.reason ?? (scored.metadata?.invalid as string | undefined);
    return { ...result, trace, score: { sql_correctness: scored.score, reason } };
  } finally {
    span.end();
  }
}
