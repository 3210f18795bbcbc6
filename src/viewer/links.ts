// The viewer's page addresses, in one place for the server (links in answers, the CLIs) and the pages (routing).
// Browser-safe: no node imports.
import type { ObjectType } from "./schemas.js";

export const VIEWER_BASE = "/ui";
export const API_BASE = "/api";

export const viewerLinks = {
  experiments: () => `${VIEWER_BASE}/`,
  experiment: (id: string) => `${VIEWER_BASE}/experiments/${encodeURIComponent(id)}`,
  /** A trace, opened at one of its spans when `spanId` is given. */
  trace: (objectType: ObjectType, objectId: string, rootSpanId: string, spanId?: string) =>
    `${VIEWER_BASE}/traces/${objectType}/${encodeURIComponent(objectId)}/${encodeURIComponent(rootSpanId)}` +
    (spanId ? `?span=${encodeURIComponent(spanId)}` : ""),
  compare: (baseline: string, candidates: readonly string[]) =>
    `${VIEWER_BASE}/compare?${new URLSearchParams([["baseline", baseline], ...candidates.map((c) => ["candidate", c])]).toString()}`,
  logs: () => `${VIEWER_BASE}/logs`,
  signIn: () => `${VIEWER_BASE}/sign-in`,
  signOut: () => `${VIEWER_BASE}/sign-out`,
};

/** A viewer link made absolute for a terminal: `http://<host>:<port>` of the service, `localhost` for any address. */
export function absoluteLink(path: string, service: { host: string; port: number }): string {
  const host = service.host === "0.0.0.0" || service.host === "::" || service.host === "" ? "localhost" : service.host;
  const name = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${name}:${service.port}${path}`;
}
