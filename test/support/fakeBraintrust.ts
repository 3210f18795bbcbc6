// A loopback stand-in for the Braintrust app, API and AI proxy (one base URL for all three), good enough for the
// real `braintrust` SDK 3.35.0 over real sockets. Tests read what arrived (calls, merged rows, objects) and inject
// faults (5xx, slowness, dropped connections) to see how our code copes with a misbehaving Braintrust.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { isDeepStrictEqual } from "node:util";

export const SEEDED_DATASET_ID = "5eed0000-0000-4000-8000-000000000001";

interface SeededDatasetOptions {
  id?: string;
  project?: string;
  name?: string;
  rows?: number;
  /** Input and expected of row i; defaults to `item i` / `ITEM i`. */
  row?: (i: number) => { input: unknown; expected?: unknown; metadata?: Record<string, unknown> };
}

export interface FakeBraintrustOptions {
  orgName?: string;
  /** Tokens that log in; any other gets a 401. */
  tokens?: string[];
  /** The dataset that exists from the start (`false` for none). */
  seededDataset?: SeededDatasetOptions | false;
  /** The org's AI proxy as login reports it (`proxy_url`); by default this fake's own URL. */
  proxyUrl?: string;
  /** The reply of POST /function/invoke; defaults to 1 when output deep-equals expected, else 0. */
  invoke?: (body: InvokeBody) => unknown;
}

interface InvokeBody {
  function_id?: string;
  input?: { input?: unknown; output?: unknown; expected?: unknown; metadata?: unknown; [k: string]: unknown };
  [k: string]: unknown;
}

interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (gunzipped if needed); the raw text when it is not JSON; null when empty. */
  body: unknown;
  /** 0 when the fake dropped the connection. */
  status: number;
  /** Epoch milliseconds when the request arrived. */
  time: number;
}

export type StoredRow = Record<string, unknown> & { id: string; _xact_id: string };

interface RowFilter {
  experiment_id?: string;
  dataset_id?: string;
  prompt_session_id?: string;
  project_id?: string;
  log_id?: string;
}

interface FakeProject {
  id: string;
  org_id: string;
  name: string;
  created: string;
  deleted_at: null;
  user_id: string;
}

interface FakeExperiment {
  id: string;
  project_id: string;
  name: string;
  description: string | null;
  created: string;
  base_exp_id: string | null;
  dataset_id: string | null;
  dataset_version: string | null;
  internal_metadata: unknown;
  metadata: Record<string, unknown> | null;
  tags: string[] | null;
  public: boolean;
  user_id: string;
  deleted_at: null;
  commit: null;
  /** The register bodies that created or reused this experiment. */
  registrations: Record<string, unknown>[];
}

interface FakeDataset {
  id: string;
  project_id: string;
  name: string;
  description: string | null;
  created: string;
  metadata: Record<string, unknown> | null;
  deleted_at: null;
  user_id: string;
  url_slug: string;
}

interface FakeFunction extends Record<string, unknown> {
  id: string;
  _xact_id: string;
  project_id: string;
  org_id: string;
  slug: string;
  name: string;
  log_id: "p";
  created: string;
}

type PathPattern = string | RegExp;

interface FailOptions {
  status: number;
  /** How many matching requests fail; default 1, Infinity for all. */
  times?: number;
  body?: unknown;
}

export interface FakeBraintrust {
  /** Base URL of the app, the API and the proxy alike. */
  readonly url: string;
  readonly orgName: string;
  readonly orgId: string;
  readonly calls: readonly RecordedCall[];
  rows(filter?: RowFilter): StoredRow[];
  readonly experiments: ReadonlyMap<string, FakeExperiment>;
  readonly datasets: ReadonlyMap<string, FakeDataset>;
  readonly projects: ReadonlyMap<string, FakeProject>;
  readonly functions: ReadonlyMap<string, FakeFunction>;
  /** A project with a known id, for callers that send project_id (unknown ids get a 404 like Braintrust's). */
  addProject(name: string, id?: string): FakeProject;
  experimentByName(name: string): FakeExperiment | undefined;
  datasetByName(name: string): FakeDataset | undefined;
  projectByName(name: string): FakeProject | undefined;
  callsTo(path: PathPattern): RecordedCall[];
  fail(path: PathPattern, options: FailOptions): void;
  delay(path: PathPattern, ms: number, times?: number): void;
  drop(path: PathPattern, times?: number): void;
  /** Back to the state right after start: no calls, rows, objects (but the seeded dataset) or faults. */
  reset(): void;
  close(): Promise<void>;
}

const USER_ID = "0000000a-0000-4000-8000-000000000001";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Fault = { pattern: PathPattern; remaining: number } & (
  | { kind: "fail"; status: number; body?: unknown }
  | { kind: "delay"; ms: number }
  | { kind: "drop" }
);

const matches = (pattern: PathPattern, path: string) =>
  typeof pattern === "string" ? pattern === path : pattern.test(path);

const nowIso = () => new Date().toISOString();

/** Braintrust's merge of `_is_merge` writes: objects merge key by key, everything else is replaced. */
function mergeDeep(base: unknown, update: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(update)) return update;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(update)) out[k] = k in base ? mergeDeep(base[k], v) : v;
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function objectKey(row: Record<string, unknown>): string {
  if (typeof row.experiment_id === "string") return `experiment:${row.experiment_id}`;
  if (typeof row.dataset_id === "string") return `dataset:${row.dataset_id}`;
  if (typeof row.prompt_session_id === "string") return `prompt_session:${row.prompt_session_id}`;
  if (typeof row.project_id === "string") return `project_logs:${row.project_id}:${String(row.log_id ?? "g")}`;
  return "unknown";
}

const isRoot = (row: Record<string, unknown>) =>
  !Array.isArray(row.span_parents) || row.span_parents.length === 0;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function startFakeBraintrust(options: FakeBraintrustOptions = {}): Promise<FakeBraintrust> {
  const orgName = options.orgName ?? "test-org";
  const orgId = randomUUID();
  const tokens = new Set(options.tokens ?? ["sk-test"]);
  const invoke = options.invoke ?? defaultInvoke;

  const calls: RecordedCall[] = [];
  const projects = new Map<string, FakeProject>();
  const experiments = new Map<string, FakeExperiment>();
  const datasets = new Map<string, FakeDataset>();
  const functions = new Map<string, FakeFunction>();
  const objects = new Map<string, Map<string, StoredRow>>();
  let faults: Fault[] = [];
  let xact = 1_000_000_000_000n;
  const nextXact = () => String(++xact);
  let url = "";

  function project(name: string | undefined, id: string | undefined): FakeProject {
    if (id !== undefined) {
      const found = projects.get(id);
      if (!found) throw new HttpError(404, `Project ${id} not found`);
      return found;
    }
    if (!name) throw new HttpError(400, "project_name or project_id is required");
    return addProject(name);
  }

  function addProject(name: string, id?: string): FakeProject {
    const existing = [...projects.values()].find((p) => p.name === name);
    if (existing) return existing;
    const created: FakeProject = { id: id ?? randomUUID(), org_id: orgId, name, created: nowIso(), deleted_at: null, user_id: USER_ID };
    projects.set(created.id, created);
    return created;
  }

  function registerDataset(projectId: string, name: string, fields: Partial<FakeDataset> = {}): FakeDataset {
    const existing = [...datasets.values()].find((d) => d.project_id === projectId && d.name === name);
    if (existing) return existing;
    const id = fields.id ?? randomUUID();
    const dataset: FakeDataset = {
      id,
      project_id: projectId,
      name,
      description: fields.description ?? null,
      created: nowIso(),
      metadata: fields.metadata ?? null,
      deleted_at: null,
      user_id: USER_ID,
      url_slug: name,
    };
    datasets.set(id, dataset);
    return dataset;
  }

  function storeRows(rows: Record<string, unknown>[]): string[] {
    const xactId = nextXact();
    const ids: string[] = [];
    for (const incoming of rows) {
      const { _is_merge: isMerge, _object_delete: isDelete, ...row } = incoming;
      const id = typeof row.id === "string" ? row.id : randomUUID();
      ids.push(id);
      const key = objectKey(row);
      let store = objects.get(key);
      if (!store) objects.set(key, (store = new Map()));
      if (isDelete) {
        store.delete(id);
        continue;
      }
      const previous = store.get(id);
      const merged = previous && isMerge ? (mergeDeep(previous, row) as Record<string, unknown>) : row;
      store.set(id, {
        ...merged,
        id,
        created: previous?.created ?? row.created ?? nowIso(),
        _xact_id: xactId,
      });
    }
    return ids;
  }

  function seed(): void {
    if (options.seededDataset === false) return;
    const s = options.seededDataset ?? {};
    const p = project(s.project ?? "seed-project", undefined);
    const dataset = registerDataset(p.id, s.name ?? "seed-dataset", { id: s.id ?? SEEDED_DATASET_ID });
    const makeRow = s.row ?? ((i: number) => ({ input: `item ${i}`, expected: `ITEM ${i}` }));
    const rows = Array.from({ length: s.rows ?? 10 }, (_, i) => ({
      ...makeRow(i),
      id: `row-${i}`,
      span_id: `row-${i}`,
      root_span_id: `row-${i}`,
      dataset_id: dataset.id,
      project_id: p.id,
      created: "2025-01-01T00:00:00.000Z",
      tags: null,
    }));
    storeRows(rows);
  }

  function rows(filter: RowFilter = {}): StoredRow[] {
    const out: StoredRow[] = [];
    for (const store of objects.values()) {
      for (const row of store.values()) {
        const ok = Object.entries(filter).every(([k, v]) => v === undefined || row[k] === v);
        if (ok) out.push(row);
      }
    }
    return out;
  }

  function btql(body: Record<string, unknown>) {
    const query = (body.query ?? {}) as Record<string, any>;
    const from = query.from?.name?.name?.[0] as string | undefined;
    const objectId = query.from?.args?.[0]?.value as string | undefined;
    if (!from || !objectId) throw new HttpError(400, "btql: only `from: <object>(<id>)` queries are supported");
    let all: StoredRow[];
    if (from === "dataset") {
      if (!datasets.has(objectId)) throw new HttpError(404, `Dataset ${objectId} not found`);
      all = rows({ dataset_id: objectId });
    } else if (from === "experiment") {
      if (!experiments.has(objectId)) throw new HttpError(404, `Experiment ${objectId} not found`);
      all = rows({ experiment_id: objectId }).map((r) => ({ ...r, is_root: isRoot(r) }));
    } else if (from === "project_logs") {
      all = rows({ project_id: objectId, log_id: "g" }).map((r) => ({ ...r, is_root: isRoot(r) }));
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

  function registerExperiment(body: Record<string, any>) {
    if (String(body.experiment_name ?? "").startsWith("fail-register")) {
      throw new HttpError(500, "fake braintrust: forced experiment/register failure");
    }
    const p = project(body.project_name, body.project_id);
    const inProject = [...experiments.values()].filter((e) => e.project_id === p.id);
    const requested: string | undefined = body.experiment_name ?? undefined;
    if (requested && body.update) {
      const reused = inProject.find((e) => e.name === requested);
      if (reused) {
        reused.registrations.push(body);
        return { project: p, experiment: publicExperiment(reused) };
      }
    }
    let baseExpId: string | null = body.base_exp_id ?? null;
    if (body.base_experiment) {
      const base = inProject.find((e) => e.name === body.base_experiment);
      if (!base) throw new HttpError(400, `base experiment ${body.base_experiment} not found`);
      baseExpId = base.id;
    }
    // Braintrust keeps experiment names unique in a project by adding a suffix.
    let name = requested ?? `experiment-${inProject.length + 1}`;
    for (let n = 1; inProject.some((e) => e.name === name); n++) name = `${requested}-${n}`;
    const experiment: FakeExperiment = {
      id: randomUUID(),
      project_id: p.id,
      name,
      description: body.description ?? null,
      created: nowIso(),
      base_exp_id: baseExpId,
      dataset_id: body.dataset_id ?? null,
      dataset_version: body.dataset_version ?? null,
      internal_metadata: body.internal_metadata ?? null,
      metadata: body.metadata ?? null,
      tags: body.tags ?? null,
      public: false,
      user_id: USER_ID,
      deleted_at: null,
      commit: null,
      registrations: [body],
    };
    experiments.set(experiment.id, experiment);
    return { project: p, experiment: publicExperiment(experiment) };
  }

  /** Scores per trace (the root row's own, else the mean of its spans'), then the mean over traces. */
  function summarize(experimentId: string) {
    const traces = new Map<string, { root?: StoredRow; spanScores: Record<string, number[]> }>();
    for (const r of rows({ experiment_id: experimentId })) {
      const key = String(r.root_span_id ?? r.id);
      const t = traces.get(key) ?? { spanScores: {} };
      if (isRoot(r)) t.root = r;
      for (const [k, v] of Object.entries((r.scores ?? {}) as Record<string, unknown>)) {
        if (typeof v === "number") (t.spanScores[k] ??= []).push(v);
      }
      traces.set(key, t);
    }
    const perScore: Record<string, number[]> = {};
    const durations: number[] = [];
    for (const t of traces.values()) {
      const rootScores = (t.root?.scores ?? {}) as Record<string, unknown>;
      for (const [k, vs] of Object.entries(t.spanScores)) {
        const v = typeof rootScores[k] === "number" ? rootScores[k] : mean(vs);
        (perScore[k] ??= []).push(v);
      }
      const m = (t.root?.metrics ?? {}) as Record<string, unknown>;
      if (typeof m.start === "number" && typeof m.end === "number") durations.push(m.end - m.start);
    }
    const scores = Object.fromEntries(Object.entries(perScore).map(([name, vs]) => [name, mean(vs)]));
    return { scores, duration: durations.length ? mean(durations) : undefined };
  }

  /** The experiment-comparison2 shape; `diff` against the base experiment where both have the score. */
  function comparison(experimentId: string, baseId: string | undefined) {
    const current = summarize(experimentId);
    const base = baseId && experiments.has(baseId) ? summarize(baseId) : undefined;
    const diff = (now: number, before: number | undefined) => (before === undefined ? {} : { diff: now - before });
    const scores = Object.fromEntries(
      Object.entries(current.scores).map(([name, score]) => [
        name,
        { name, score, improvements: 0, regressions: 0, ...diff(score, base?.scores[name]) },
      ]),
    );
    const metrics =
      current.duration === undefined
        ? {}
        : {
            duration: {
              name: "duration",
              metric: current.duration,
              unit: "s",
              improvements: 0,
              regressions: 0,
              ...diff(current.duration, base?.duration),
            },
          };
    return { scores, metrics };
  }

  function insertFunctions(body: Record<string, any>) {
    const results = [];
    for (const def of (body.functions ?? []) as Record<string, any>[]) {
      if (!def.project_id || !projects.has(def.project_id)) throw new HttpError(400, `Unknown project_id ${def.project_id}`);
      if (!def.slug) throw new HttpError(400, "function slug is required");
      const existing = [...functions.values()].find((f) => f.project_id === def.project_id && f.slug === def.slug);
      const ifExists = def.if_exists ?? "error";
      if (existing && ifExists === "error") throw new HttpError(409, `Function ${def.slug} already exists`);
      if (existing && ifExists === "ignore") {
        results.push({ id: existing.id, slug: existing.slug, project_id: existing.project_id, found_existing: true });
        continue;
      }
      const { if_exists: _ignored, ...fields } = def;
      const fn: FakeFunction = {
        ...fields,
        id: existing?.id ?? randomUUID(),
        _xact_id: nextXact(),
        project_id: def.project_id,
        org_id: orgId,
        slug: def.slug,
        name: def.name ?? def.slug,
        log_id: "p",
        created: existing?.created ?? nowIso(),
      };
      functions.set(fn.id, fn);
      results.push({ id: fn.id, slug: fn.slug, project_id: fn.project_id, found_existing: existing !== undefined });
    }
    return { status: "success", functions: results };
  }

  function findFunctions(query: Record<string, string>, onlyPrompts: boolean) {
    const projectId = query.project_id ?? (query.project_name ? projectByName(query.project_name)?.id : undefined);
    return [...functions.values()].filter(
      (f) =>
        (projectId === undefined || f.project_id === projectId) &&
        (query.project_name === undefined || projectId !== undefined) &&
        (query.slug === undefined || f.slug === query.slug) &&
        (query.function_type === undefined || f.function_type === query.function_type) &&
        (!onlyPrompts || (f.function_data as { type?: string } | undefined)?.type === "prompt"),
    );
  }

  const projectByName = (name: string) => [...projects.values()].find((p) => p.name === name);

  function route(method: string, path: string, query: Record<string, string>, body: any, token: string | undefined): unknown {
    const post = method === "POST";
    const get = method === "GET";
    if (path === "/api/apikey/login" && post) {
      if (!token || !tokens.has(token)) throw new HttpError(401, "Invalid API key");
      return {
        org_info: [
          { id: orgId, name: orgName, api_url: url, proxy_url: options.proxyUrl ?? url, realtime_url: null, git_metadata: { collect: "none" } },
        ],
      };
    }
    if (!token || !tokens.has(token)) throw new HttpError(401, "Invalid or missing API key");
    body = isPlainObject(body) ? body : {};

    if (path === "/version" && get) return { version: "fake-braintrust", logs3_payload_max_bytes: null };
    if (path === "/ping" && get) return { status: "ok" };
    if (path === "/logs3" && post) {
      if (!Array.isArray(body.rows)) throw new HttpError(400, "logs3: rows must be an array");
      const ids = storeRows(body.rows);
      return { ids, xact_id: String(xact) };
    }
    if (path === "/api/project/register" && post) return { project: project(body.project_name, body.project_id) };
    if (path === "/api/project/get" && post) {
      const p = body.id ? projects.get(body.id) : projectByName(body.project_name ?? body.name);
      return p ? [p] : [];
    }
    if (path === "/api/project" && get) {
      const p = projects.get(query.id ?? "");
      if (!p) throw new HttpError(404, `Project ${query.id} not found`);
      return p;
    }
    if (path === "/api/experiment/register" && post) return registerExperiment(body);
    if (path === "/api/experiment/get" && post) {
      const projectId = body.project_id ?? (body.project_name ? projectByName(body.project_name)?.id : undefined);
      return [...experiments.values()]
        .filter((e) => e.project_id === projectId && (!body.experiment_name || e.name === body.experiment_name))
        .map(publicExperiment);
    }
    if (path === "/api/dataset/register" && post) {
      if (!body.dataset_name) throw new HttpError(400, "dataset_name is required");
      const p = project(body.project_name, body.project_id);
      return { project: p, dataset: registerDataset(p.id, body.dataset_name, body) };
    }
    if (path === "/api/dataset/get" && post) {
      return [...datasets.values()].filter(
        (d) =>
          (body.id === undefined || d.id === body.id) &&
          (body.project_id === undefined || d.project_id === body.project_id) &&
          (body.dataset_name === undefined || d.name === body.dataset_name),
      );
    }
    if (path === "/api/self/get_object_info" && post) {
      const source: ReadonlyMap<string, { id: string; name: string; project_id: string }> =
        body.object_type === "experiment" ? experiments : datasets;
      return ((body.object_ids ?? []) as string[]).flatMap((id) => {
        const o = source.get(id);
        if (!o) return [];
        const p = projects.get(o.project_id)!;
        return [{ object_id: o.id, object_name: o.name, parent_cols: { project: { id: p.id, name: p.name } } }];
      });
    }
    if (path === "/api/dataset_snapshot/get" && post) return [];
    if (path === "/btql" && post) return btql(body);
    if (path === "/api/base_experiment/get_id" && post) {
      const e = experiments.get(body.id);
      const base = e?.base_exp_id ? experiments.get(e.base_exp_id) : undefined;
      if (!base) throw new HttpError(400, "No base experiment found");
      return { base_exp_id: base.id, base_exp_name: base.name, base_exp_project_id: base.project_id };
    }
    const experimentMatch = /^\/v1\/experiment\/([^/]+)$/.exec(path);
    if (experimentMatch && get) {
      const e = experiments.get(experimentMatch[1]);
      if (!e) throw new HttpError(404, `Experiment ${experimentMatch[1]} not found`);
      return publicExperiment(e);
    }
    if (path === "/experiment-comparison2" && get) {
      if (!query.experiment_id || !experiments.has(query.experiment_id)) {
        throw new HttpError(404, `Experiment ${query.experiment_id} not found`);
      }
      return comparison(query.experiment_id, query.base_experiment_id);
    }
    if (path === "/function/invoke" && post) return invoke(body);
    if (path === "/insert-functions" && post) return insertFunctions(body);
    if ((path === "/v1/prompt" || path === "/v1/function") && get) {
      return { objects: findFunctions(query, path === "/v1/prompt") };
    }
    const functionMatch = /^\/v1\/(prompt|function)\/([^/]+)$/.exec(path);
    if (functionMatch && get) {
      const fn = functions.get(functionMatch[2]);
      if (!fn) throw new HttpError(404, `${functionMatch[1]} ${functionMatch[2]} not found`);
      return fn;
    }
    throw new HttpError(404, `fake braintrust: no route for ${method} ${path}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let raw = Buffer.concat(chunks);
    if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
    const text = raw.toString("utf8");
    let body: unknown = null;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const parsed = new URL(req.url ?? "/", url);
    const path = parsed.pathname.replace(/\/+$/, "") || "/";
    const call: RecordedCall = {
      method: req.method ?? "GET",
      path,
      query: Object.fromEntries(parsed.searchParams),
      headers: req.headers,
      body,
      status: 0,
      time: Date.now(),
    };
    calls.push(call);

    const fault = <K extends Fault["kind"]>(kind: K) => {
      const f = faults.find((x) => x.kind === kind && x.remaining > 0 && matches(x.pattern, path));
      if (f) f.remaining--;
      return f as Extract<Fault, { kind: K }> | undefined;
    };
    if (fault("drop")) {
      req.socket.destroy();
      return;
    }
    const slow = fault("delay");
    if (slow) await new Promise((r) => setTimeout(r, slow.ms));
    const failure = fault("fail");
    if (failure) {
      send(res, call, failure.status, failure.body ?? { error: `fake braintrust: injected ${failure.status}` });
      return;
    }
    try {
      const auth = req.headers.authorization;
      const token = auth?.startsWith("Bearer ") ? auth.slice("Bearer ".length) : undefined;
      send(res, call, 200, route(call.method, path, call.query, body, token));
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      send(res, call, status, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(e) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  seed();

  return {
    url,
    orgName,
    orgId,
    calls,
    rows,
    experiments,
    datasets,
    projects,
    functions,
    addProject,
    experimentByName: (name) => [...experiments.values()].find((e) => e.name === name),
    datasetByName: (name) => [...datasets.values()].find((d) => d.name === name),
    projectByName,
    callsTo: (pattern) => calls.filter((c) => matches(pattern, c.path)),
    fail: (pattern, { status, times = 1, body }) => {
      faults.push({ kind: "fail", pattern, remaining: times, status, body });
    },
    delay: (pattern, ms, times = Infinity) => {
      faults.push({ kind: "delay", pattern, remaining: times, ms });
    },
    drop: (pattern, times = 1) => {
      faults.push({ kind: "drop", pattern, remaining: times });
    },
    reset: () => {
      calls.length = 0;
      faults = [];
      for (const m of [projects, experiments, datasets, functions, objects]) m.clear();
      seed();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

function publicExperiment(e: FakeExperiment) {
  const { registrations: _registrations, ...rest } = e;
  return rest;
}

function defaultInvoke(body: InvokeBody): number {
  return isDeepStrictEqual(body.input?.output, body.input?.expected) ? 1 : 0;
}

function send(res: ServerResponse, call: RecordedCall, status: number, payload: unknown): void {
  call.status = status;
  const text = JSON.stringify(payload ?? null);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
