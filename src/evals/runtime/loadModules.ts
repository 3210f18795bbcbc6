// Loads EVAL_MODULES: files written for `braintrust eval --dev FILE` (they call `Eval(name, def)`) are served
// unchanged, and modules that export evaluator objects work too.
//
// Each file is bundled with esbuild to CommonJS, as the braintrust CLI does, and run with a `require` that hands
// it this process's own `braintrust` and `zod` modules. One SDK instance, not two: `Eval()` registers where we read,
// and the spans a task opens with `traced()` or `wrapOpenAI` nest under the runner's spans. Other packages resolve
// from the file's folder, else from this project (a file outside it may have no node_modules of its own).
//
// A file that takes nothing but `Eval` from the SDK (most eval files: the task and scorers are plain functions)
// gets an `Eval` of ours that records the definition, as the SDK's does while the CLI loads files for --dev; the
// SDK itself then loads with the first eval, not at start-up.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import path from "node:path";
import { compileFunction } from "node:vm";
import * as zod from "zod";
import { loadSdk } from "../../braintrust/sdk.js";
import { lazy } from "../../lib/lazy.js";
import { ConfigError } from "../../config.js";
import type { EvaluatorRegistry } from "./registry.js";
import type { EvaluatorDef } from "./types.js";
import { messageOf } from "../../errors.js";

interface Registration {
  projectName: string;
  evaluator: EvaluatorDef;
}
interface LazyRegistration {
  evaluator: EvaluatorDef & { evalName: string; projectName: string };
}
interface BraintrustGlobals {
  _lazy_load?: boolean;
  _evals?: { evaluators: Record<string, LazyRegistration> };
}

const projectRequire = createRequire(path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../package.json"));
const loadEsbuild = lazy(() => import("esbuild"));

const looksLikeEvaluator = (v: unknown): v is EvaluatorDef =>
  typeof v === "object" && v !== null && typeof (v as EvaluatorDef).task === "function";

/**
 * Whether the bundle uses the SDK for more than `Eval`. esbuild binds each `import … from "braintrust"` to a name
 * (`var import_braintrust = require("braintrust")`) and reads the imports off it where they are used
 * (`(0, import_braintrust.Eval)(…)`); a namespace or default import goes through `__toESM`, a subpath is another
 * specifier. Anything but `.Eval` read off those names needs the SDK.
 */
export function needsSdk(code: string): boolean {
  if (/__toESM\(require\(["']braintrust["']\)/.test(code) || /require\(["']braintrust\//.test(code)) return true;
  const bound = [...code.matchAll(/\bvar ([\w$]+) = require\(["']braintrust["']\);/g)].map((m) => m[1]);
  if ((code.match(/require\(["']braintrust["']\)/g) ?? []).length !== bound.length) return true;
  return bound.some((name) => {
    const escaped = name.replace(/\$/g, "\\$");
    const uses = [...code.matchAll(new RegExp(`(?<![\\w$.])${escaped}(?![\\w$])(\\.[\\w$]+)?`, "g"))];
    // The first is the binding itself.
    return uses.slice(1).some((use) => use[1] !== ".Eval");
  });
}

/** The SDK's `Eval()` while the CLI loads files for --dev (`_lazy_load`): it records the definition, runs nothing. */
function recordingEval(into: Registration[]) {
  return (name: string, evaluator: EvaluatorDef) => {
    // Spread as the SDK spreads it: an evaluator's own projectName wins.
    const { projectName, ...def } = { projectName: name, ...evaluator };
    into.push({ projectName: String(projectName), evaluator: def });
    return Promise.resolve({ summary: { scores: {}, metrics: {}, projectName: "", experimentName: "" }, results: [] });
  };
}

function requireFor(file: string, braintrust: unknown): NodeJS.Require {
  const local = createRequire(file);
  const sharedZod = (() => {
    try {
      return local.resolve("zod") === projectRequire.resolve("zod");
    } catch {
      return true; // not resolvable from the file's folder: it would get this project's anyway
    }
  })();
  const require = ((id: string) => {
    if (id === "braintrust") return braintrust;
    // The same zod as this process's (config, the SDK) rather than its CommonJS copy: one instance, loaded once.
    if (id === "zod" && sharedZod) return zod;
    try {
      return local(id);
    } catch (e) {
      if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
      return projectRequire(id);
    }
  }) as NodeJS.Require;
  return Object.assign(require, { resolve: local.resolve, cache: local.cache, main: undefined, extensions: local.extensions });
}

/** Bundles one file (TypeScript or JavaScript, ESM or CommonJS) and runs it; returns its exports and its `Eval()`s. */
async function runFile(file: string): Promise<{ exports: Record<string, unknown>; recorded?: Registration[] }> {
  const { build } = await loadEsbuild();
  const bundle = await build({
    entryPoints: [file],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    write: false,
    logLevel: "silent",
  });
  const code = bundle.outputFiles[0].text;
  const recorded: Registration[] | undefined = needsSdk(code) ? undefined : [];
  const braintrust = recorded ? { Eval: recordingEval(recorded) } : await loadSdk();
  const module = { exports: {} as Record<string, unknown> };
  const run = compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], { filename: file });
  run(module.exports, requireFor(file, braintrust), module, file, path.dirname(file));
  return { exports: module.exports, recorded };
}

/**
 * Imports each file and registers what it defines; returns the names added. A file that is missing or does not load
 * is a ConfigError of one line naming the setting, the file and what to do: the service cannot start without it.
 */
export async function loadEvalModules(files: string[], registry: EvaluatorRegistry): Promise<string[]> {
  const g = globalThis as unknown as BraintrustGlobals;
  const added: string[] = [];
  const refuse = (file: string, problem: string, remedy: string) =>
    new ConfigError(`EVAL_MODULES=${files.join(",")}: ${files.length > 1 ? `${file}: ` : ""}${problem}; ${remedy}`);
  for (const file of files) {
    const abs = path.resolve(file);
    if (!existsSync(abs)) {
      throw refuse(file, `no such file (${abs})`, "set EVAL_MODULES to comma-separated paths of existing .ts or .js evaluator files");
    }
    const seen = new Set(Object.keys(g._evals?.evaluators ?? {}));
    g._lazy_load = true;
    let loaded: Awaited<ReturnType<typeof runFile>>;
    try {
      loaded = await runFile(abs);
    } catch (e) {
      const reason = messageOf(e).replace(/\s*\n\s*/g, " ");
      throw refuse(file, `the file does not load: ${reason}`, "fix it, or leave it out of EVAL_MODULES");
    } finally {
      g._lazy_load = false;
    }
    // `Eval()` under _lazy_load only records the definition: in the SDK's registry, or in ours.
    const recorded =
      loaded.recorded ??
      Object.entries(g._evals?.evaluators ?? {})
        .filter(([key]) => !seen.has(key))
        .map(([, reg]) => {
          const { evalName: _ignored, projectName, ...evaluator } = reg.evaluator;
          return { projectName, evaluator: evaluator };
        });
    for (const { projectName, evaluator } of recorded) added.push(registry.register(projectName, evaluator, abs));
    for (const [exportName, value] of Object.entries(unwrapDefault(loaded.exports))) {
      if (!looksLikeEvaluator(value)) continue;
      const projectName = String((value as { name?: unknown }).name ?? value.projectName ?? exportName);
      added.push(registry.register(projectName, value, abs));
    }
  }
  return added;
}

function unwrapDefault(exports: Record<string, unknown>): Record<string, unknown> {
  const def = exports.default;
  if (looksLikeEvaluator(def)) return { ...exports };
  if (def && typeof def === "object") {
    const { default: _d, ...rest } = exports;
    return { ...rest, ...(def as Record<string, unknown>) };
  }
  return exports;
}
