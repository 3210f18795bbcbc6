// Loads EVAL_MODULES: files written for `braintrust eval --dev FILE` (they call `Eval(name, def)`) are served
// unchanged, and modules that export evaluator objects work too.
//
// Each file is bundled with esbuild to CommonJS, as the braintrust CLI does, and run with a `require` that hands
// it this process's own `braintrust` module. One SDK instance, not two: `Eval()` registers where we read, and the
// spans a task opens with `traced()` or `wrapOpenAI` nest under the runner's spans. Other packages resolve from
// the file's folder, else from this project (a file outside it may have no node_modules of its own).
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import path from "node:path";
import { compileFunction } from "node:vm";
import * as braintrust from "braintrust";
import { build } from "esbuild";
import { ConfigError } from "../../config.js";
import type { EvaluatorRegistry } from "./registry.js";
import type { EvaluatorDef } from "./types.js";
import { messageOf } from "../../errors.js";

interface LazyRegistration {
  evaluator: EvaluatorDef & { evalName: string; projectName: string };
}
interface BraintrustGlobals {
  _lazy_load?: boolean;
  _evals?: { evaluators: Record<string, LazyRegistration> };
}

const projectRequire = createRequire(path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../package.json"));

const looksLikeEvaluator = (v: unknown): v is EvaluatorDef =>
  typeof v === "object" && v !== null && typeof (v as EvaluatorDef).task === "function";

function requireFor(file: string): NodeJS.Require {
  const local = createRequire(file);
  const require = ((id: string) => {
    if (id === "braintrust") return braintrust;
    try {
      return local(id);
    } catch (e) {
      if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
      return projectRequire(id);
    }
  }) as NodeJS.Require;
  return Object.assign(require, { resolve: local.resolve, cache: local.cache, main: undefined, extensions: local.extensions });
}

/** Bundles one file (TypeScript or JavaScript, ESM or CommonJS) and runs it; returns its exports. */
async function runFile(file: string): Promise<Record<string, unknown>> {
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
  const module = { exports: {} as Record<string, unknown> };
  const run = compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], { filename: file });
  run(module.exports, requireFor(file), module, file, path.dirname(file));
  return module.exports;
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
    let exports: Record<string, unknown>;
    try {
      exports = await runFile(abs);
    } catch (e) {
      const reason = messageOf(e).replace(/\s*\n\s*/g, " ");
      throw refuse(file, `the file does not load: ${reason}`, "fix it, or leave it out of EVAL_MODULES");
    } finally {
      g._lazy_load = false;
    }
    // `Eval()` under _lazy_load only records the definition in the SDK's registry.
    for (const [key, reg] of Object.entries(g._evals?.evaluators ?? {})) {
      if (seen.has(key)) continue;
      const { evalName: _ignored, projectName, ...def } = reg.evaluator;
      added.push(registry.register(projectName, def, abs));
    }
    for (const [exportName, value] of Object.entries(unwrapDefault(exports))) {
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
