// What the sema4-demo evaluator declares: its name, its scores and the parameters the Playground shows. Kept
// apart from what runs it, with nothing heavy imported: the braintrust CLI bundles sql_gen.eval.ts (and so this)
// into CommonJS, where the sandbox and the native database binding cannot come along.
import { z } from "zod";
import { DEFAULT_MAX_RETRIES } from "../../agent/types.js";
import { promptParameterDefault } from "../../agent/systemPrompt.js";

export const SQL_GEN_EVAL_NAME = "sema4-demo";
/** The evaluator's scores, in the order of its `scores`. */
export const SQL_GEN_SCORES = ["sql_correctness", "pass_at_k", "pass_exp_k"] as const;

/** The model is AGENT_MODEL's; the rest default to the evaluator's own. */
export interface EvaluatorDefaults {
  model: string;
  maxRetries?: number;
  trials?: number;
  k?: number;
}

type Defaults = Required<EvaluatorDefaults>;

export const withDefaults = (d: EvaluatorDefaults): Defaults => ({
  model: d.model,
  maxRetries: d.maxRetries ?? DEFAULT_MAX_RETRIES,
  trials: d.trials ?? 3,
  k: d.k ?? 1,
});

/** What the Playground shows and lets the user change. */
export function sqlGenParameters(given: EvaluatorDefaults) {
  const d = withDefaults(given);
  return {
    system_prompt: {
      type: "prompt" as const,
      default: promptParameterDefault(d.model),
      description: "The agent's system prompt; {{db_path}} and {{schema}} are filled in per run",
    },
    model: { type: "model" as const, default: d.model, description: "The model the agent calls" },
    max_retries: z.number().int().min(0).max(10).default(d.maxRetries).describe("Resubmissions after a query that fails or returns nothing"),
    trials: z.number().int().min(1).max(20).default(d.trials).describe("Agent runs per case"),
    k: z.number().int().min(1).max(20).default(d.k).describe("k of pass@k and pass^k (at most trials)"),
  };
}
