// Evaluators are Braintrust-`Evaluator`-shaped objects, so the same object serves /eval, the CLI and
// `npx braintrust eval`. These types are the loose common shape the registry and runner rely on.
import type { RecorderSpan } from "../../recorder/types.js";
import type { Caller } from "./request.js";

export interface EvalCase {
  input: unknown;
  expected?: unknown;
  metadata?: Record<string, unknown>;
  tags?: string[];
  id?: string;
  created?: string;
  _xact_id?: string;
  origin?: unknown;
  trialCount?: number;
}

export interface ProgressEvent {
  format: string;
  output_type: string;
  event: string;
  data: string;
}

export interface TaskHooks {
  metadata: Record<string, unknown>;
  meta(value: Record<string, unknown>): void;
  expected: unknown;
  span: RecorderSpan;
  parameters: Record<string, any>;
  reportProgress(event: ProgressEvent): void;
  trialIndex: number;
  tags: string[];
  /** Aborts when the run is cancelled (client gone, shutdown), the case times out or the run's time budget runs out. */
  signal: AbortSignal;
  /**
   * The same for every case of one run (one /eval), so that a task can share something with its run's other cases,
   * such as a limit per eval. Unset where the braintrust SDK runs the evaluator.
   */
  runId?: string;
  /**
   * In a Playground run, the caller's own Braintrust login, so a task can reach models through the AI proxy on
   * the caller's account (the org's AI secrets pay). Never to be logged.
   */
  caller?: Pick<Caller, "id" | "token" | "orgName"> & {
    /** The org's AI proxy, as the SDK's proxy connection names it (no trailing /v1/proxy). */
    proxyUrl: string;
  };
}

export interface ScorerArgs {
  id?: string;
  input: unknown;
  expected?: unknown;
  metadata: Record<string, unknown>;
  output: unknown;
  tags: string[];
}

export type ScoreValue = number | null | { name?: string; score: number | null; metadata?: Record<string, unknown> };
export type Scorer = ((args: ScorerArgs) => ScoreValue | ScoreValue[] | Promise<ScoreValue | ScoreValue[]>) & {
  name: string;
};

/** A declared parameter: a prompt, a model, or a zod schema (v3 or v4). */
type ParameterDecl =
  | { type: "prompt"; default?: unknown; description?: string }
  | { type: "model"; default?: string; description?: string }
  | { parse(value: unknown): unknown; safeParse?: unknown; description?: string };

export interface EvaluatorDef {
  projectName?: string;
  experimentName?: string;
  data?: unknown;
  task: (input: any, hooks: TaskHooks) => unknown;
  scores?: Scorer[];
  classifiers?: Scorer[];
  parameters?: Record<string, ParameterDecl> | Promise<unknown>;
  maxConcurrency?: number;
  trialCount?: number;
  /** Milliseconds for the whole run in the SDK; here also the per-case deadline (see runner). */
  timeout?: number;
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RegisteredEvaluator {
  /** The key used by /list and /eval: the project name, plus ` [experimentName=…]` when set. */
  name: string;
  projectName: string;
  evaluator: EvaluatorDef;
  /** Where it came from: "builtin" or the module path. */
  source: string;
}
