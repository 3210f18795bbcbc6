// Functions: prompts published through /insert-functions and read back, and /function/invoke (remote scorers).
import { isDeepStrictEqual } from "node:util";
import { HttpError } from "../httpError.js";
import type { InvokeBody, Route } from "./route.js";

export const functionRoutes: Route[] = [
  { method: "POST", path: "/function/invoke", handle: ({ body }, { invoke }) => invoke(body) },
  { method: "POST", path: "/insert-functions", handle: ({ body }, { store }) => store.insertFunctions(body) },
  { method: "GET", path: "/v1/prompt", handle: ({ query }, { store }) => ({ objects: store.findFunctions(query, true) }) },
  { method: "GET", path: "/v1/function", handle: ({ query }, { store }) => ({ objects: store.findFunctions(query, false) }) },
  {
    method: "GET",
    path: /^\/v1\/(prompt|function)\/([^/]+)$/,
    handle: ({ params: [kind, id] }, { store }) => {
      const fn = store.functions.get(id);
      if (!fn) throw new HttpError(404, `${kind} ${id} not found`);
      return fn;
    },
  },
];

/** The reply of POST /function/invoke unless a test gives its own: 1 when output deep-equals expected, else 0. */
export function defaultInvoke(body: InvokeBody): number {
  return isDeepStrictEqual(body.input?.output, body.input?.expected) ? 1 : 0;
}
