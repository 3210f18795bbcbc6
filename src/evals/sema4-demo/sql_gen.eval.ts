// `npx braintrust eval src/evals/sema4-demo/sql_gen.eval.ts`: the `sema4-demo` evaluator run by the braintrust CLI, as the
// original project ran it. Settings come from the environment, as for the service (README, Settings).
//
// The CLI bundles this file into CommonJS, and two things do not survive that: better-sqlite3's native binding
// and the sandbox's worker scripts, which it finds beside its own modules. So this file only declares the
// evaluator (name, parameters, scorer names); the working part (standalone.ts) is loaded through tsx from
// the checkout, unbundled, when the first case needs it.
import { Eval } from "braintrust";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { loadProcessConfig } from "../../config.js";
import { createCliLogger } from "../../logger.js";
import { SQL_GEN_EVAL_NAME, SQL_GEN_SCORES, sqlGenParameters } from "./declaration.js";
import type { EvaluatorDef, ScorerArgs, TaskHooks } from "../runtime/types.js";

const config = loadProcessConfig();

/** The checkout this runs from: the nearest folder up from the working directory with our package.json. */
function projectRoot(): string {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "sema4-demo") return dir;
    if (path.dirname(dir) === dir) throw new Error("run `npx braintrust eval` from the sema4-demo checkout");
  }
}

/**
 * tsx's ESM API, found at run time from the checkout so that the bundler leaves tsx (and esbuild) out. Its ESM
 * build, as its exports map names it: require() would pick the CommonJS build, whose tsImport fails here.
 */
function tsxEsmApi(manifest: string): string {
  const tsxManifest = createRequire(manifest).resolve("tsx/package.json");
  const entry = JSON.parse(readFileSync(tsxManifest, "utf8")).exports["./esm/api"].import.default as string;
  return pathToFileURL(path.join(path.dirname(tsxManifest), entry)).href;
}

type Standalone = Awaited<ReturnType<typeof import("./standalone.js").createStandaloneSqlGenEvaluator>>;

let loaded: Promise<Standalone> | undefined;
function load(): Promise<Standalone> {
  loaded ??= (async () => {
    const manifest = path.join(projectRoot(), "package.json");
    const { tsImport } = (await import(tsxEsmApi(manifest))) as typeof import("tsx/esm/api");
    const standalone = pathToFileURL(path.join(path.dirname(manifest), "src/evals/sema4-demo/standalone.ts")).href;
    const mod = (await tsImport(standalone, pathToFileURL(manifest).href)) as typeof import("./standalone.js");
    return mod.createStandaloneSqlGenEvaluator(config, createCliLogger(config));
  })();
  return loaded;
}

// The CLI says nothing when the run is over, and the sandbox's query workers would keep the process alive: the
// evaluator is closed once nothing has used it for a while (and built again should anything call it later).
let inFlight = 0;
let idle: NodeJS.Timeout | undefined;
async function using<T>(work: (evaluator: EvaluatorDef) => Promise<T>): Promise<T> {
  inFlight++;
  clearTimeout(idle);
  try {
    return await work((await load()).evaluator);
  } finally {
    if (--inFlight === 0) {
      idle = setTimeout(() => {
        const closing = loaded;
        loaded = undefined;
        void closing?.then((s) => s.close());
      }, 1_000).unref();
    }
  }
}

// The CLI tells only how many cases failed (the reasons with --verbose): each reason is said here, once.
const said = new Set<string>();
function sayOnce(error: unknown): never {
  const reason = error instanceof Error ? error.message : String(error);
  if (!said.has(reason)) {
    said.add(reason);
    process.stderr.write(`${SQL_GEN_EVAL_NAME}: ${reason}\n`);
  }
  throw error;
}

const scores = SQL_GEN_SCORES.map((name, i) =>
  Object.defineProperty((args: ScorerArgs) => using(async (e) => e.scores![i]!(args)), "name", { value: name }),
);

Eval(SQL_GEN_EVAL_NAME, {
  data: () =>
    using(async (e) => {
      const data = e.data;
      return (typeof data === "function" ? await data() : data) as never;
    }),
  task: (input: unknown, hooks: TaskHooks) => using(async (e) => e.task(input, hooks)).catch(sayOnce),
  scores,
  parameters: sqlGenParameters({ model: config.AGENT_MODEL }),
  maxConcurrency: config.AGENT_CONCURRENCY,
} as never);
