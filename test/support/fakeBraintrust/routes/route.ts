import type { FakeStore } from "../store.js";

export interface InvokeBody {
  function_id?: string;
  input?: { input?: unknown; output?: unknown; expected?: unknown; metadata?: unknown; [k: string]: unknown };
  [k: string]: unknown;
}

interface RouteRequest {
  query: Record<string, string>;
  /** The JSON body when it is an object, else `{}`. */
  body: Record<string, any>;
  /** The Bearer token, if any. */
  token: string | undefined;
  /** The groups of a RegExp path. */
  params: string[];
}

/** What every handler may use besides the request. */
export interface RouteEnv {
  store: FakeStore;
  /** The fake's own base URL. */
  url: string;
  /** The org's AI proxy as login reports it. */
  proxyUrl: string;
  invoke: (body: InvokeBody) => unknown;
}

export interface Route {
  method: "GET" | "POST";
  path: string | RegExp;
  /** Answered without a token that logs in (the login itself). */
  public?: true;
  handle(req: RouteRequest, env: RouteEnv): unknown;
}
