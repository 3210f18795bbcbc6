// The data plane: the API's version and ping, rows written through /logs3 and read back through /btql.
import { HttpError } from "../httpError.js";
import { isRoot, type FakeStore, type StoredRow } from "../store.js";
import type { Route } from "./route.js";

export const logsRoutes: Route[] = [
  { method: "GET", path: "/version", handle: () => ({ version: "fake-braintrust", logs3_payload_max_bytes: null }) },
  { method: "GET", path: "/ping", handle: () => ({ status: "ok" }) },
  {
    method: "POST",
    path: "/logs3",
    handle: ({ body }, { store }) => {
      if (!Array.isArray(body.rows)) throw new HttpError(400, "logs3: rows must be an array");
      const ids = store.storeRows(body.rows);
      return { ids, xact_id: store.lastXact };
    },
  },
  { method: "POST", path: "/btql", handle: ({ body }, { store }) => btql(store, body) },
];

/** Only `from: <object>(<id>)`, with a version and pages (limit, cursor): what the SDK's fetches send. */
function btql(store: FakeStore, body: Record<string, unknown>) {
  const query = (body.query ?? {}) as Record<string, any>;
  const from = query.from?.name?.name?.[0] as string | undefined;
  const objectId = query.from?.args?.[0]?.value as string | undefined;
  if (!from || !objectId) throw new HttpError(400, "btql: only `from: <object>(<id>)` queries are supported");
  let all: StoredRow[];
  if (from === "dataset") {
    if (!store.datasets.has(objectId)) throw new HttpError(404, `Dataset ${objectId} not found`);
    all = store.rows({ dataset_id: objectId });
  } else if (from === "experiment") {
    if (!store.experiments.has(objectId)) throw new HttpError(404, `Experiment ${objectId} not found`);
    all = store.rows({ experiment_id: objectId }).map((r) => ({ ...r, is_root: isRoot(r) }));
  } else if (from === "project_logs") {
    all = store.rows({ project_id: objectId, log_id: "g" }).map((r) => ({ ...r, is_root: isRoot(r) }));
  } else {
    throw new HttpError(400, `btql: unsupported object type ${from}`);
  }
  const version = body.version;
  if (typeof version === "string") all = all.filter((r) => BigInt(r._xact_id) <= BigInt(version));
  const limit = typeof query.limit === "number" ? query.limit : 1000;
  const start = query.cursor ? Number(query.cursor) : 0;
  const data = all.slice(start, start + limit);
  return { data, schema: null, cursor: start + limit < all.length ? String(start + limit) : null };
}
