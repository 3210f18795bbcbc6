// The `sema4-demo` evaluator: the SQL agent over the `SQL Gen Tasks` cases, `trials` runs per case, scored by
// execution accuracy and by pass@k / pass^k over those trials. A Braintrust-Evaluator-shaped object, so the same
// object serves the Playground (/list, /eval) and `npx braintrust eval` (src/evals/sema4-demo/sql_gen.eval.ts).
import { runSqlGenTask } from "../../agent/loop.js";
import type { AgentRuntime } from "../../agent/runtime.js";
import { MODEL_NOT_CONFIGURED, type ModelAccess, type ModelClient } from "../../agent/modelClient.js";
import type { PromptLike } from "../../agent/prompt.js";
import type { AgentStep } from "../../agent/types.js";
import { SQL_TASKS, taskToCase } from "../../data/tasks.js";
import { AppError, messageOf } from "../../errors.js";
import { FairScheduler } from "../../lib/fairScheduler.js";
import type { SecretRedactor } from "../../lib/secretRedactor.js";
import type { ReadonlyQueryRunner, SandboxFactory } from "../../sandbox/types.js";
import { createSqlScorers, type SqlGenOutput, type SqlTrial } from "./scorers/sql.js";
import type { EvaluatorDef, TaskHooks } from "../runtime/types.js";
import { SQL_GEN_EVAL_NAME, sqlGenParameters, withDefaults, type EvaluatorDefaults } from "./declaration.js";


export interface SqlGenDeps {
  dbPath: string;
  sandboxFactory: SandboxFactory;
  runQuery: ReadonlyQueryRunner;
  /** The model-client factory (createModelClient, or one with other retry settings). */
  modelClient: (access: ModelAccess) => ModelClient;
  /**
   * The service's own model endpoint. It serves runs without a caller (the CLI, `npx braintrust eval`) and Playground
   * callers of `serviceModelOrgs`; every other caller's run uses the caller's own token on their org's AI proxy.
   */
  serviceModel?: ModelAccess;
  serviceModelOrgs?: readonly string[];
  /** The model is AGENT_MODEL's; the rest default to the evaluator's own. */
  defaults: EvaluatorDefaults;
  /** Cases when the caller supplies none: by default the built-in twelve tasks. */
  data?: EvaluatorDef["data"];
  /**
   * Agent runs at once over every eval of this evaluator (so of the service), handed out in turn across callers;
   * also the cases at once in one eval.
   */
  maxConcurrency: number;
  /** Per agent run (AGENT_MAX_STEPS, AGENT_TIMEOUT_MS). */
  agent: { maxSteps: number; timeoutMs: number };
  /** Keeps the service's keys (and the run's token) from the model and the trace. */
  redactor: SecretRedactor;
}

export interface SqlGenTrial extends SqlTrial {
  answer: string | null;
  columns: string[];
  row_count: number;
  /** The first rows, for reading the experiment; the scorer runs the query itself. */
  rows: unknown[][];
  attempts: number;
  steps: number;
  usage?: unknown;
}

const PREVIEW_ROWS = 10;

function questionOf(input: unknown): { question: string; id?: string } {
  if (typeof input === "string" && input.trim()) return { question: input };
  const q = (input as { question?: unknown; id?: unknown } | null)?.question;
  if (typeof q === "string" && q.trim()) return { question: q, id: typeof (input as { id?: unknown }).id === "string" ? (input as { id: string }).id : undefined };
  throw new AppError("BAD_REQUEST", "each case's input must be a question, as a string or as {question}");
}

function describeStep(step: AgentStep): string {
  const ms = `${Math.round(step.durationMs)} ms`;
  if (step.kind === "llm") return `model ${step.name} (${ms}, ${(step.usage?.prompt_tokens ?? 0) + (step.usage?.completion_tokens ?? 0)} tokens)`;
  if (step.kind === "submit") return `submit_sql ${step.error ? "rejected" : "accepted"} (${ms})`;
  const input = step.input as { command?: string; path?: string } | undefined;
  return `${step.name} ${input?.command ?? input?.path ?? ""} (${ms})`.replace(/\s+/g, " ");
}

export function createSqlGenEvaluator(deps: SqlGenDeps): EvaluatorDef {
  const defaults = withDefaults(deps.defaults);
  const concurrency = deps.maxConcurrency;
  const agentSlots = new FairScheduler(concurrency);
  const { sql_correctness, pass_at_k, pass_exp_k } = createSqlScorers({ dbPath: deps.dbPath, runQuery: deps.runQuery });

  const parameters = sqlGenParameters(defaults);

  function modelAccess(hooks: TaskHooks): ModelAccess {
    const caller = hooks.caller;
    const served = !caller || (caller.orgName !== undefined && (deps.serviceModelOrgs ?? []).includes(caller.orgName));
    if (deps.serviceModel && served) return deps.serviceModel;
    // A Playground run: the caller's own login reaches the org's models through the AI proxy.
    if (caller) return { provider: "braintrust-proxy", apiKey: caller.token, proxyUrl: caller.proxyUrl, orgName: caller.orgName };
    throw new AppError("NOT_CONFIGURED", MODEL_NOT_CONFIGURED);
  }

  async function task(input: unknown, hooks: TaskHooks): Promise<SqlGenOutput & { trials: SqlGenTrial[] }> {
    const question = questionOf(input);
    const p = hooks.parameters ?? {};
    const model: string = typeof p.model === "string" ? p.model : defaults.model;
    const trials: number = p.trials ?? defaults.trials;
    const k: number = p.k ?? defaults.k;
    const maxRetries: number = p.max_retries ?? defaults.maxRetries;
    const prompt = p.system_prompt as PromptLike | undefined;
    const access = modelAccess(hooks);
    const client = deps.modelClient(access);
    const redactor = deps.redactor.with([access.apiKey, hooks.caller?.token]);

    // Runs without a Playground caller (the CLI, `npx braintrust eval`) share one turn.
    const turn = hooks.caller?.id ?? "operator";
    const runTrial = (index: number) =>
      agentSlots.run(turn, async (): Promise<SqlGenTrial | { thrown: unknown }> => {
        const span = hooks.span.startSpan({ name: `trial ${index + 1}`, type: "task", event: { metadata: { trial: index } } });
        try {
          const r = await runSqlGenTask(question, {
            dbPath: deps.dbPath,
            model,
            client,
            sandboxFactory: deps.sandboxFactory,
            runQuery: deps.runQuery,
            span,
            maxRetries,
            maxSteps: deps.agent?.maxSteps,
            timeoutMs: deps.agent?.timeoutMs,
            prompt,
            signal: hooks.signal,
            redactor,
            onStep: (step) =>
              hooks.reportProgress({
                format: "code",
                output_type: "completion",
                event: "text_delta",
                data: `trial ${index + 1}: ${describeStep(step)}\n`,
              }),
          });
          return {
            sql: r.sql,
            answer: r.answer,
            columns: r.columns,
            row_count: r.rows.length,
            rows: r.rows.slice(0, PREVIEW_ROWS),
            attempts: r.attempts,
            steps: r.steps.length,
            usage: r.usage,
            ...(r.error ? { error: r.error.message } : {}),
          };
        } catch (e) {
          return { thrown: e };
        } finally {
          span.end();
        }
      }, hooks.signal).catch((e: unknown) => ({ thrown: e })); // a cancelled run withdraws the trials still waiting

    const outcomes = await Promise.all(Array.from({ length: trials }, (_, i) => runTrial(i)));
    if (hooks.signal?.aborted) throw hooks.signal.reason ?? new AppError("CANCELLED", "cancelled");
    // A failure of every trial (a refused key, an unreachable endpoint) fails the case for all to see; a failure
    // of some trials counts against the model, as an unanswered question would.
    const thrown = outcomes.filter((o): o is { thrown: unknown } => "thrown" in o);
    if (thrown.length === outcomes.length) throw thrown[0]!.thrown;
    return {
      trials: outcomes.map((o) =>
        "thrown" in o
          ? { sql: null, answer: null, columns: [], row_count: 0, rows: [], attempts: 0, steps: 0, error: messageOf(o.thrown) }
          : o,
      ),
      k,
    };
  }

  return {
    projectName: SQL_GEN_EVAL_NAME,
    data: deps.data ?? (() => SQL_TASKS.map(taskToCase)),
    task,
    scores: [sql_correctness, pass_at_k, pass_exp_k],
    parameters,
    maxConcurrency: concurrency,
  };
}

/** The `sema4-demo` evaluator's dependencies from a runtime. */
export function sqlGenDeps(runtime: AgentRuntime, data?: SqlGenDeps["data"]): SqlGenDeps {
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

