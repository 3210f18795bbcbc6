// What the SQL agent takes and gives back. Routes, the CLI and the evaluator all speak these shapes.
import type { SecretRedactor } from "../lib/secretRedactor.js";
import type { RecorderSpan } from "../recorder/types.js";
import type { ReadonlyQueryRunner, SandboxFactory } from "../sandbox/types.js";
import type { ModelClient } from "./modelClient.js";
import type { PromptLike } from "./prompt.js";

/** Resubmissions after a query that fails or returns nothing usable, unless a run says otherwise. */
export const DEFAULT_MAX_RETRIES = 3;

export interface AgentStep {
  /** 1-based, in the order things happened. */
  index: number;
  kind: "llm" | "tool" | "submit";
  /** The model for `llm`, the tool's name otherwise. */
  name: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  durationMs: number;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface AgentUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
  llm_calls: number;
  tool_calls: number;
  /** US dollars at list price; null for a model without a known price. */
  cost_usd: number | null;
}

export type AgentFailure = "retries_exhausted" | "step_limit" | "time_limit";

export interface AgentResult {
  /** The model's one-sentence answer; null when it never submitted a usable query. */
  answer: string | null;
  /** The last query submitted (usable or not). */
  sql: string | null;
  columns: string[];
  rows: unknown[][];
  /** More rows existed than were kept. */
  truncated: boolean;
  /** Queries submitted. */
  attempts: number;
  steps: AgentStep[];
  usage: AgentUsage;
  model: string;
  /** Set when the run ended without a usable query. */
  error?: { code: AgentFailure; message: string };
}

export interface SqlQuestion {
  question: string;
  /** A dataset task id, carried into the trace. */
  id?: string;
}

export interface AgentOptions {
  /** The database on the host; the sandbox shows it to the shell read-only. */
  dbPath: string;
  model: string;
  client: ModelClient;
  sandboxFactory: SandboxFactory;
  runQuery: ReadonlyQueryRunner;
  /** The span this run logs to: its input, output and metrics, with every LLM and tool call beneath it. */
  span: RecorderSpan;
  /** Resubmissions after a query that fails or returns nothing usable. */
  maxRetries?: number;
  /** LLM calls at most (AGENT_MAX_STEPS). */
  maxSteps: number;
  /** Wall-clock limit for the whole run (AGENT_TIMEOUT_MS). */
  timeoutMs: number;
  /** The system prompt (a Braintrust prompt, e.g. the Playground's); by default the built-in one. */
  prompt?: PromptLike;
  signal?: AbortSignal;
  /** Called as each step finishes (SSE, Playground progress). */
  onStep?: (step: AgentStep) => void;
  /** Replaces what must never reach the model, the trace or the caller (the service's keys, a caller's token). */
  redactor: SecretRedactor;
  /** Rows kept in the result (the query itself may return up to the runner's cap). */
  maxResultRows?: number;
}
