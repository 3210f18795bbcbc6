// Loads EVAL_MODULES: files written for `braintrust eval --dev FILE` (they call `Eval(name, def)`) are served
// unchanged, and modules that export evaluator objects work too.
import { register } from "node:module";
import Module from "node:module";
import path from "node:path";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { EvaluatorRegistry } from "./registry.js";
import type { EvaluatorDef } from "./types.js";

interface LazyRegistration {
  evaluator: EvaluatorDef & { evalName: string; projectName: string };
}
interface BraintrustGlobals {
  _lazy_load?: boolean;
  _evals?: { evaluators: Record<string, LazyRegistration> };
}

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
let resolutionInstalled = false;

// Runs on Node's loader thread. Shipped as source in a data: URL because that thread has no TypeScript loader
// (under vitest or plain node), so a .ts hook file could not be loaded there.
const RESOLVE_HOOK = `
let fallbackParent = "";
export function initialize(data) { fallbackParent = data.fallbackParentURL; }
const isBare = (s) => !/^(\\.|\\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(s);
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (!isBare(specifier) || err?.code !== "ERR_MODULE_NOT_FOUND") throw err;
    return next(specifier, { ...context, parentURL: fallbackParent });
  }
}`;

/**
 * Lets evaluator files outside this project import our `braintrust`, `zod`… when their folder has no
 * node_modules: ESM through a resolve hook, CommonJS through NODE_PATH.
 */
function installFallbackResolution(): void {
  if (resolutionInstalled) return;
  resolutionInstalled = true;
  register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`, {
    data: { fallbackParentURL: pathToFileURL(path.join(projectRoot, "package.json")).href },
  });
  const ourModules = path.join(projectRoot, "node_modules");
  const current = process.env.NODE_PATH ? process.env.NODE_PATH.split(path.delimiter) : [];
  if (!current.includes(ourModules)) {
    process.env.NODE_PATH = [...current, ourModules].join(path.delimiter);
    (Module as unknown as { _initPaths(): void })._initPaths();
  }
}

const looksLikeEvaluator = (v: unknown): v is EvaluatorDef =>
  typeof v === "object" && v !== null && typeof (v as EvaluatorDef).task === "function";

/** Imports each file and registers what it defines; returns the names added. Throws naming the file on failure. */
export async function loadEvalModules(files: string[], registry: EvaluatorRegistry): Promise<string[]> {
  installFallbackResolution();
  // tsx turns source maps on for the whole process; every span the braintrust SDK opens captures a stack
  // trace, which source mapping makes several times slower. Keep the process's own setting.
  const sourceMaps = (process as unknown as { sourceMapsEnabled: boolean }).sourceMapsEnabled;
  try {
    return await loadAll(files, registry);
  } finally {
    process.setSourceMapsEnabled(sourceMaps);
  }
}

async function loadAll(files: string[], registry: EvaluatorRegistry): Promise<string[]> {
  const g = globalThis as unknown as BraintrustGlobals;
  const added: string[] = [];
  for (const file of files) {
    const abs = path.resolve(file);
    if (!existsSync(abs)) throw new Error(`EVAL_MODULES: ${file} does not exist`);
    const seen = new Set(Object.keys(g._evals?.evaluators ?? {}));
    g._lazy_load = true;
    let exports: Record<string, unknown>;
    try {
      const url = pathToFileURL(abs).href;
      // tsx (and its esbuild child) is loaded only when a TypeScript file asks for it.
      exports = /\.[cm]?tsx?$/.test(abs)
        ? await (await import("tsx/esm/api")).tsImport(url, import.meta.url)
        : await import(url);
    } catch (e) {
      throw new Error(`EVAL_MODULES: cannot load ${file}: ${(e as Error).message}`, { cause: e });
    } finally {
      g._lazy_load = false;
    }
    // `Eval()` under _lazy_load only records the definition in the SDK's global registry.
    for (const [key, reg] of Object.entries(g._evals?.evaluators ?? {})) {
      if (seen.has(key)) continue;
      const { evalName: _ignored, projectName, ...def } = reg.evaluator;
      added.push(registry.register(projectName, def as EvaluatorDef, abs));
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
  if (def && typeof def === "object" && !looksLikeEvaluator(def)) {
    const { default: _d, ...rest } = exports;
    return { ...rest, ...(def as Record<string, unknown>) };
  }
  return exports;
}

