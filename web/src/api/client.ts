// The pages' one way to the data: GET /api/* on the service's own origin, typed by the shared schemas. A 401 sends
// the reader to the sign-in page and back here afterwards.
import { API_BASE, viewerLinks } from "../../../src/viewer/links.js";
import type {
  Comparison,
  ExperimentDetail,
  ExperimentList,
  LogPage,
  ObjectType,
  SpanDetail,
  TaskFilter,
  TaskPage,
  TaskSort,
  Trace,
} from "../../../src/viewer/schemas.js";

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type Params = Record<string, string | number | boolean | readonly string[] | null | undefined>;

function apiPath(path: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) query.append(key, String(v));
  }
  const text = query.toString();
  return `${API_BASE}${path}${text ? `?${text}` : ""}`;
}

function signInAddress(here: string): string {
  return `${viewerLinks.signIn()}?${new URLSearchParams({ next: here }).toString()}`;
}

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: { accept: "application/json" }, credentials: "same-origin", signal });
  if (response.status === 401) {
    location.assign(signInAddress(location.pathname + location.search));
    throw new ApiError(401, "UNAUTHORIZED", "Sign-in required");
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? "HTTP_ERROR", error?.message ?? `${response.status} ${response.statusText}`);
  }
  return body as T;
}

const seg = encodeURIComponent;

export const api = {
  experiments: (params: { q?: string; project?: string; dataset?: string; limit?: number; offset?: number }, signal?: AbortSignal) =>
    get<ExperimentList>(apiPath("/experiments", params), signal),
  experiment: (id: string, signal?: AbortSignal) => get<ExperimentDetail>(apiPath(`/experiments/${seg(id)}`), signal),
  tasks: (
    id: string,
    params: { filter?: TaskFilter; q?: string; sort?: TaskSort; order?: "asc" | "desc"; limit?: number; offset?: number },
    signal?: AbortSignal,
  ) => get<TaskPage>(apiPath(`/experiments/${seg(id)}/tasks`, params), signal),
  /** The whole trace, or with `under` only that span's subtree (whose fields come back less cut). */
  trace: (objectType: ObjectType, objectId: string, rootSpanId: string, options: { under?: string } = {}, signal?: AbortSignal) =>
    get<Trace>(apiPath(`/traces/${objectType}/${seg(objectId)}/${seg(rootSpanId)}`, options), signal),
  span: (objectType: ObjectType, objectId: string, rootSpanId: string, spanId: string, signal?: AbortSignal) =>
    get<SpanDetail>(apiPath(`/traces/${objectType}/${seg(objectId)}/${seg(rootSpanId)}/spans/${seg(spanId)}`), signal),
  logs: (params: { q?: string; project?: string; limit?: number; offset?: number }, signal?: AbortSignal) =>
    get<LogPage>(apiPath("/logs", params), signal),
  compare: (baseline: string, candidates: readonly string[], differencesOnly: boolean, signal?: AbortSignal) =>
    get<Comparison>(apiPath("/compare", { baseline, candidate: candidates, differencesOnly }), signal),
};
