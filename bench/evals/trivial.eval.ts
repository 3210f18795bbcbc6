// A copy of ../shared/peer-bench/evals/trivial.eval.ts (docs/wire-captures.md §3), so the benchmark runs the same
// evaluators when ../shared is absent.
// Reference evaluators for the Braintrust dev-server ("remote eval") protocol.
// Two evaluators: "peer-demo" (sync-ish string transform) and
// "peer-demo-sleep" (same transform behind an async 20 ms sleep).
import { Eval } from "braintrust";
import { z } from "zod";

const cases = Array.from({ length: 100 }, (_, i) => ({
  input: `item ${i}`,
  expected: `ITEM ${i}`,
}));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Exact-match scorer (named, so it shows up as "exact_match" in /list and summaries).
function exact_match({ output, expected }: { output: unknown; expected?: unknown }) {
  return output === expected ? 1 : 0;
}

const parameters = {
  prefix: z.string().default("").describe("String prepended to the output"),
  sleep_ms: z.number().default(0).describe("Extra async sleep per case (ms)"),
};

Eval("peer-demo", {
  data: () => cases,
  task: async (input: string, { parameters }) => {
    if (parameters.sleep_ms > 0) await sleep(parameters.sleep_ms);
    return `${parameters.prefix}${input.toUpperCase()}`;
  },
  scores: [exact_match],
  parameters,
});

Eval("peer-demo-sleep", {
  data: () => cases,
  task: async (input: string, { parameters }) => {
    await sleep(20 + parameters.sleep_ms);
    return `${parameters.prefix}${input.toUpperCase()}`;
  },
  scores: [exact_match],
  parameters,
});
