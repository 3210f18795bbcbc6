// Module-loader hook (runs on Node's loader thread): an evaluator file outside this project imports
// `braintrust`, `zod` and friends by bare name; when its own folder has no node_modules, resolve them from ours.
interface ResolveContext {
  parentURL?: string;
  conditions: string[];
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

let fallbackParent = "";

export function initialize(data: { fallbackParentURL: string }): void {
  fallbackParent = data.fallbackParentURL;
}

const isBare = (specifier: string) => !/^(\.|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (!isBare(specifier) || (err as { code?: string }).code !== "ERR_MODULE_NOT_FOUND" || !fallbackParent) throw err;
    return next(specifier, { ...context, parentURL: fallbackParent });
  }
}
