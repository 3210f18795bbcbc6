// Every route of the fake, by API area; a request without a token that logs in gets a 401 before any lookup.
import { HttpError } from "../httpError.js";
import { isPlainObject } from "../store.js";
import { datasetRoutes } from "./datasets.js";
import { experimentRoutes } from "./experiments.js";
import { functionRoutes } from "./functions.js";
import { loginRoutes } from "./login.js";
import { logsRoutes } from "./logs.js";
import { projectRoutes } from "./projects.js";
import type { Route, RouteEnv } from "./route.js";

export { defaultInvoke } from "./functions.js";
export type { InvokeBody, RouteEnv } from "./route.js";

const routes: Route[] = [...loginRoutes, ...logsRoutes, ...projectRoutes, ...experimentRoutes, ...datasetRoutes, ...functionRoutes];

export interface Incoming {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  token: string | undefined;
}

/** The JSON answer to a request, or an HttpError with the status Braintrust would give. */
export function answer(req: Incoming, env: RouteEnv): unknown {
  const found = find(req.method, req.path);
  if (!found?.route.public && !env.store.logsIn(req.token)) throw new HttpError(401, "Invalid or missing API key");
  if (!found) throw new HttpError(404, `fake braintrust: no route for ${req.method} ${req.path}`);
  const body = isPlainObject(req.body) ? req.body : {};
  return found.route.handle({ query: req.query, body, token: req.token, params: found.params }, env);
}

function find(method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    if (typeof route.path === "string") {
      if (route.path === path) return { route, params: [] };
      continue;
    }
    const match = route.path.exec(path);
    if (match) return { route, params: match.slice(1) };
  }
  return undefined;
}
