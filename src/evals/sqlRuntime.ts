// What the SQL agent needs at run time, assembled once from config: the seeded database, the sandbox, the
// service's model endpoint and the agent's limits. The service, the CLIs and `npx braintrust eval` share it, and
// POST /agent and `npm run agent` ask their questions through askSqlAgent.
import { runSqlGenTask } from "../agent/loop.js";
import { createModelClient, MODEL_NOT_CONFIGURED, serviceModelAccess, type ModelAccess, type ModelClient } from "../agent/modelClient.js";
import type { AgentResult, AgentStep } from "../agent/types.js";
import type { Config } from "../config.js";
import { setupDb } from "../data/seed.js";
import { SQL_TASKS, type SqlTask } from "../data/tasks.js";
import { AppError } from "../errors.js";
import type { SecretRedactor } from "../lib/secretRedactor.js";
import type { Logger } from "../logger.js";
import type { Recorder } from "../recorder/types.js";
import { serviceRedactor } from "../redaction.js";
import { createSandboxFactory } from "../sandbox/index.js";
import type { SandboxFactory } from "../sandbox/types.js";
import { createSqlScorers } from "./scorers/sql.js";
import type { SqlGenDeps } from "./sqlGen.js";

export interface SqlRuntime {
  dbPath: string;
  sandboxFactory: SandboxFactory;
  /** The service's own model endpoint, if one is configured. */
  modelAccess: ModelAccess | undefined;
  /** Playground callers of these Braintrust orgs may run on the service's model endpoint (DEV_ORG_NAME, SERVICE_MODEL_ORGS). */
  serviceModelOrgs: string[];
  modelClient: (access: ModelAccess) => ModelClient;
  defaults: { model: string; maxSteps: number; timeoutMs: number };
  concurrency: number;
  /** Keeps the service's keys from the model, the traces and the callers. */
  redactor: SecretRedactor;
}

/** Builds the database if needed and takes the given sandbox factory, or starts one (the caller closes it). */
export async function createSqlRuntime(
  config: Config,
  logger: Logger,
  sandboxFactory?: SandboxFactory,
): Promise<SqlRuntime> {
  const dbPath = setupDb(config.SEMA4_DB_PATH);
  const redactor = serviceRedactor(config);
  return {
    dbPath,
    sandboxFactory: sandboxFactory ?? (await createSandboxFactory(config, logger, { probeDbPath: dbPath })),
    modelAccess: serviceModelAccess(config),
    serviceModelOrgs: [config.DEV_ORG_NAME, ...(config.SERVICE_MODEL_ORGS ?? [])].filter((o): o is string => !!o),
    modelClient: (access) => createModelClient(access, { redactor }),
    defaults: { model: config.AGENT_MODEL, maxSteps: config.AGENT_MAX_STEPS, timeoutMs: config.AGENT_TIMEOUT_MS },
    concurrency: config.AGENT_CONCURRENCY,
    redactor,
  };
}

/** The `sema4-demo` evaluator's dependencies from a runtime. */
export function sqlGenDeps(runtime: SqlRuntime, data?: SqlGenDeps["data"]): SqlGenDeps {
  return {
    dbPath: runtime.dbPath,
    sandboxFactory: runtime.sandboxFactory,
    runQuery: runtime.sandboxFactory.runQuery,
    modelClient: runtime.modelClient,
    serviceModel: runtime.modelAccess,
    serviceModelOrgs: runtime.serviceModelOrgs,
    defaults: { model: runtime.defaults.model },
    maxConcurrency: runtime.concurrency,
    agent: { maxSteps: runtime.defaults.maxSteps, timeoutMs: runtime.defaults.timeoutMs },
    redactor: runtime.redactor,
    data,
  };
}

export interface AskRequest {
  question?: string;
  /** One of the built-in tasks: its question is asked (unless another is given) and the answer is scored. */
  task_id?: string;
  model?: string;
  max_retries?: number;
}

export interface AskResponse extends AgentResult {
  trace: { store: Recorder["kind"]; project: string; id: string; root_span_id: string };
  /** For a task: execution accuracy of the answer against the task's gold query. */
  score?: { sql_correctness: number | null; reason?: string };
}

/** Checks a request before anything runs: its question or task, and that a model endpoint is configured. */
export function prepareAsk(runtime: SqlRuntime, request: AskRequest): { question: string; task?: SqlTask; access: ModelAccess } {
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
  runtime: SqlRuntime,
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
  const trace = { store: where.recorder.kind, project: where.project, id: span.id, root_span_id: span.rootSpanId };
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
