// An eval file that takes nothing but Eval from braintrust is loaded without the SDK; any other use of it (a
// function, a namespace or default import, a subpath) loads the SDK first. Checked on what esbuild makes of them.
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { needsSdk } from "../../../src/evals/runtime/loadModules.js";

async function bundled(source: string): Promise<string> {
  const out = await build({
    stdin: { contents: source, loader: "ts", resolveDir: process.cwd() },
    bundle: true,
    platform: "node",
    format: "cjs",
    packages: "external",
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

describe("needsSdk", () => {
  it("is false for a file that only calls Eval, however it imports it", async () => {
    expect(needsSdk(await bundled(`import { Eval } from "braintrust"; Eval("a", { data: () => [], task: (i: string) => i, scores: [] });`))).toBe(false);
    expect(needsSdk(await bundled(`import { Eval as E } from "braintrust"; import { z } from "zod"; E("a", { data: () => [], task: (i: string) => i, scores: [], parameters: { x: z.string() } });`))).toBe(false);
    expect(needsSdk(await bundled(`const bt = require("braintrust"); bt.Eval("a", { data: () => [], task: (i: string) => i, scores: [] });`))).toBe(false);
  });

  it("is true for a file that uses anything else of the SDK", async () => {
    for (const source of [
      `import { Eval, traced } from "braintrust"; Eval("a", { data: () => [], task: (i: string) => traced(() => i), scores: [] });`,
      `import { Eval, wrapOpenAI } from "braintrust"; const w = wrapOpenAI; Eval("a", { data: () => [], task: (i: string) => i, scores: [] }); export { w };`,
      `import * as bt from "braintrust"; bt.Eval("a", { data: () => [], task: (i: string) => i, scores: [] });`,
      `import bt from "braintrust"; (bt as any).Eval("a", {});`,
      `import { Eval } from "braintrust"; import { mergeDicts } from "braintrust/util"; Eval("a", { data: () => [], task: (i: string) => mergeDicts({}, {}), scores: [] });`,
      `const bt = require("braintrust"); bt.Eval("a", { data: () => [], task: (i: string) => bt.traced(() => i), scores: [] });`,
      `const bt = require("braintrust"); export const sdk = bt;`,
    ]) {
      expect(needsSdk(await bundled(source)), source).toBe(true);
    }
  });
});
