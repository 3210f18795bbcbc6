// EVAL_MODULES: a file written for `braintrust eval --dev FILE` (the reference, docs/devserver-protocol.md §2) is
// served unchanged, and so is a module that exports evaluators. The files are written by the test in a folder with
// no node_modules of its own.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EvaluatorRegistry } from "../../../src/evals/runtime/registry.js";
import { loadEvalModules } from "../../../src/evals/runtime/loadModules.js";
import { postEval, startService, type RunningService } from "../../support/service.js";

const dir = mkdtempSync(path.join(tmpdir(), "sema4-evalmod-"));
const evalFile = path.join(dir, "shout.eval.ts");
writeFileSync(
  evalFile,
  `import { Eval } from "braintrust";
import { z } from "zod";
function exact({ output, expected }: { output: unknown; expected?: unknown }) { return output === expected ? 1 : 0; }
Eval("shout", {
  data: () => [{ input: "a", expected: "A!" }],
  task: async (input: string, { parameters }) => input.toUpperCase() + parameters.suffix,
  scores: [exact],
  parameters: { suffix: z.string().default("!").describe("appended") },
});
Eval("shout", { experimentName: "quiet", data: () => [], task: async (i: string) => i, scores: [exact] });
`,
);
// CommonJS, like the eval files of the wire captures (docs/wire-captures.md §1), and tracing inside its task.
writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "commonjs" }));
const tracedFile = path.join(dir, "traced.eval.ts");
writeFileSync(
  tracedFile,
  `import { Eval, traced } from "braintrust";
Eval("traced-inside", {
  data: () => [],
  task: async (input: string) => traced(async (span) => { span.log({ output: "inner" }); return input + "!"; }, { name: "inner-step" }),
  scores: [function exact({ output, expected }: any) { return output === expected ? 1 : 0; }],
});
`,
);
const moduleFile = path.join(dir, "exported.mjs");
writeFileSync(
  moduleFile,
  `export const reverse = {
  task: async (input) => [...input].reverse().join(""),
  scores: [function same({ output, expected }) { return output === expected ? 1 : 0; }],
};
export const notAnEvaluator = { hello: "world" };
`,
);

let svc: RunningService;
beforeAll(async () => {
  svc = await startService({ config: { EVAL_MODULES: `${evalFile}, ${moduleFile},${tracedFile}` } });
});
afterAll(() => svc.close());

describe("EVAL_MODULES", () => {
  it("serves Eval() files and exported evaluators, with the reference's names", async () => {
    const res = await fetch(`${svc.base}/list`, { headers: svc.auth });
    const body = await res.json();
    // The built-in evaluator first, then the modules in order.
    expect(Object.keys(body)).toEqual(["sema4-demo", "shout", "shout [experimentName=quiet]", "reverse", "traced-inside"]);
    expect(body.shout.parameters.schema.suffix).toMatchObject({ type: "data", default: "!", description: "appended" });
    expect(body.reverse).toEqual({ scores: [{ name: "same" }], classifiers: [] });
  });

  it("runs them", async () => {
    const r = await postEval(svc, { name: "shout", stream: true, data: { data: [{ input: "hey", expected: "HEY!" }] } });
    expect(JSON.parse(r.events.find((e) => e.event === "summary")!.data).scores.exact.score).toBe(1);
    const r2 = await postEval(svc, { name: "reverse", stream: true, data: { data: [{ input: "abc", expected: "cba" }] } });
    expect(JSON.parse(r2.events.find((e) => e.event === "summary")!.data).scores.same.score).toBe(1);
  });

  it("shares the service's SDK: spans a task opens with traced() nest under its task span", async () => {
    const r = await postEval(svc, { name: "traced-inside", stream: true, data: { data: [{ input: "a", expected: "a!" }] } });
    const summary = JSON.parse(r.events.find((e) => e.event === "summary")!.data);
    expect(summary.scores.exact.score).toBe(1);
    const rows = svc.fake.rows({ experiment_id: summary.experimentId });
    const type = (row: Record<string, unknown>) => (row.span_attributes as { type?: string; name?: string });
    const task = rows.find((row) => type(row).type === "task")!;
    const inner = rows.find((row) => type(row).name === "inner-step")!;
    expect(inner).toMatchObject({ output: "inner", root_span_id: task.root_span_id, span_parents: [task.span_id] });
  });

  it("names a missing file", async () => {
    await expect(loadEvalModules([path.join(dir, "missing.eval.ts")], new EvaluatorRegistry())).rejects.toThrow(
      /^EVAL_MODULES=.*missing\.eval\.ts: no such file \(/,
    );
  });

  const peerEvals = path.resolve("../shared/peer-bench/evals/trivial.eval.ts");
  it.skipIf(!existsSync(peerEvals))("serves the reference's own eval file unchanged", async () => {
    const registry = new EvaluatorRegistry();
    expect(await loadEvalModules([peerEvals], registry)).toEqual(["peer-demo", "peer-demo-sleep"]);
  });
});
