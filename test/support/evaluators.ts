// Evaluators used by the protocol tests: the same shapes as the eval files of the wire captures
// (docs/wire-captures.md §1).
import { z } from "zod";
import { EvaluatorRegistry } from "../../src/evals/runtime/registry.js";
import type { EvaluatorDef, TaskHooks } from "../../src/evals/runtime/types.js";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

export function exact_match({ output, expected }: { output: unknown; expected?: unknown }) {
  return output === expected ? 1 : 0;
}

function flaky_scorer({ input }: { input: unknown }) {
  if (input === "scorer-boom") throw new Error("scorer exploded");
  return 1;
}

export const parameters = {
  prefix: z.string().default("").describe("String prepended to the output"),
  sleep_ms: z.number().default(0).describe("Extra async sleep per case (ms)"),
};

/** Cases like the captures': `item i` → `ITEM i`. */
export const cases = (n: number) => Array.from({ length: n }, (_, i) => ({ input: `item ${i}`, expected: `ITEM ${i}` }));

export interface TestEvaluatorsOptions {
  /** Called with each task's signal, so a test can watch cancellation arrive. */
  onTaskSignal?: (signal: AbortSignal) => void;
}

export function testRegistry(options: TestEvaluatorsOptions = {}): EvaluatorRegistry {
  const registry = new EvaluatorRegistry();
  const demo: EvaluatorDef = {
    data: () => cases(3),
    task: async (input: string, hooks: TaskHooks) => {
      options.onTaskSignal?.(hooks.signal);
      if (hooks.parameters.sleep_ms > 0) await sleep(hooks.parameters.sleep_ms, hooks.signal);
      return `${hooks.parameters.prefix}${input.toUpperCase()}`;
    },
    scores: [exact_match],
    parameters,
  };
  registry.register("peer-demo", demo);
  registry.register("peer-demo-progress", {
    ...demo,
    task: async (input: string, hooks: TaskHooks) => {
      hooks.reportProgress({ format: "code", output_type: "completion", event: "text_delta", data: "custom-progress" });
      return input.toUpperCase();
    },
    parameters: undefined,
  });
  registry.register("peer-errors", {
    data: () => [],
    task: async (input: string) => {
      if (input === "boom") throw new Error("task exploded on purpose");
      return input.toUpperCase();
    },
    scores: [exact_match, flaky_scorer],
  });
  registry.register("peer-timeout", {
    data: () => [],
    task: async (input: string) => {
      if (input === "hang") await new Promise(() => {});
      return input.toUpperCase();
    },
    scores: [exact_match],
    // the runner's per-case deadline comes from config; this evaluator ignores its signal on purpose
  });
  return registry;
}
