// What the fake Braintrust holds: its org and the tokens that log in to it, projects, experiments, datasets,
// functions (prompts), and the rows of every object, merged as Braintrust merges them.
import { randomUUID } from "node:crypto";
import { HttpError } from "./httpError.js";

export const SEEDED_DATASET_ID = "5eed0000-0000-4000-8000-000000000001";

export interface SeededDatasetOptions {
  id?: string;
  project?: string;
  name?: string;
  rows?: number;
  /** Input and expected of row i; defaults to `item i` / `ITEM i`. */
  row?: (i: number) => { input: unknown; expected?: unknown; metadata?: Record<string, unknown> };
}

export interface StoreOptions {
  orgName?: string;
  /** Tokens that log in; any other gets a 401. */
  tokens?: string[];
  /** The dataset that exists from the start (`false` for none). */
  seededDataset?: SeededDatasetOptions | false;
}

export type StoredRow = Record<string, unknown> & { id: string; _xact_id: string };

export interface RowFilter {
  experiment_id?: string;
  dataset_id?: string;
  prompt_session_id?: string;
  project_id?: string;
  log_id?: string;
}

export interface FakeProject {
  id: string;
  org_id: string;
  name: string;
  created: string;
  deleted_at: null;
  user_id: string;
}

export interface FakeExperiment {
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

export interface FakeDataset {
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

export interface FakeFunction extends Record<string, unknown> {
  id: string;
  _xact_id: string;
  project_id: string;
  org_id: string;
  slug: string;
  name: string;
  log_id: "p";
  created: string;
}

const USER_ID = "0000000a-0000-4000-8000-000000000001";

const nowIso = () => new Date().toISOString();

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Braintrust's merge of `_is_merge` writes: objects merge key by key, everything else is replaced. */
function mergeDeep(base: unknown, update: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(update)) return update;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(update)) out[k] = k in base ? mergeDeep(base[k], v) : v;
  return out;
}

function objectKey(row: Record<string, unknown>): string {
  if (typeof row.experiment_id === "string") return `experiment:${row.experiment_id}`;
  if (typeof row.dataset_id === "string") return `dataset:${row.dataset_id}`;
  if (typeof row.prompt_session_id === "string") return `prompt_session:${row.prompt_session_id}`;
  if (typeof row.project_id === "string") return `project_logs:${row.project_id}:${String(row.log_id ?? "g")}`;
  return "unknown";
}

export const isRoot = (row: Record<string, unknown>) =>
  !Array.isArray(row.span_parents) || row.span_parents.length === 0;

/** An experiment as the API shows it: without what the fake keeps for tests. */
export function publicExperiment(e: FakeExperiment) {
  const { registrations: _registrations, ...rest } = e;
  return rest;
}

export class FakeStore {
  readonly orgName: string;
  readonly orgId = randomUUID();
  readonly projects = new Map<string, FakeProject>();
  readonly experiments = new Map<string, FakeExperiment>();
  readonly datasets = new Map<string, FakeDataset>();
  readonly functions = new Map<string, FakeFunction>();
  private readonly tokens: Set<string>;
  private readonly objects = new Map<string, Map<string, StoredRow>>();
  private xact = 1_000_000_000_000n;

  constructor(private readonly options: StoreOptions = {}) {
    this.orgName = options.orgName ?? "test-org";
    this.tokens = new Set(options.tokens ?? ["sk-test"]);
    this.seed();
  }

  logsIn(token: string | undefined): boolean {
    return token !== undefined && this.tokens.has(token);
  }

  /** The transaction id of the last write. */
  get lastXact(): string {
    return String(this.xact);
  }

  nextXact(): string {
    return String(++this.xact);
  }

  /** The project a request names: by id (unknown ids are a 404, as Braintrust's), else by name, made on first use. */
  project(name: string | undefined, id: string | undefined): FakeProject {
    if (id !== undefined) {
      const found = this.projects.get(id);
      if (!found) throw new HttpError(404, `Project ${id} not found`);
      return found;
    }
    if (!name) throw new HttpError(400, "project_name or project_id is required");
    return this.addProject(name);
  }

  addProject(name: string, id?: string): FakeProject {
    const existing = this.projectByName(name);
    if (existing) return existing;
    const created: FakeProject = { id: id ?? randomUUID(), org_id: this.orgId, name, created: nowIso(), deleted_at: null, user_id: USER_ID };
    this.projects.set(created.id, created);
    return created;
  }

  projectByName(name: string): FakeProject | undefined {
    return [...this.projects.values()].find((p) => p.name === name);
  }

  experimentByName(name: string): FakeExperiment | undefined {
    return [...this.experiments.values()].find((e) => e.name === name);
  }

  datasetByName(name: string): FakeDataset | undefined {
    return [...this.datasets.values()].find((d) => d.name === name);
  }

  registerDataset(projectId: string, name: string, fields: Partial<FakeDataset> = {}): FakeDataset {
    const existing = [...this.datasets.values()].find((d) => d.project_id === projectId && d.name === name);
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
    this.datasets.set(id, dataset);
    return dataset;
  }

  registerExperiment(body: Record<string, any>) {
    const p = this.project(body.project_name, body.project_id);
    const inProject = [...this.experiments.values()].filter((e) => e.project_id === p.id);
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
    this.experiments.set(experiment.id, experiment);
    return { project: p, experiment: publicExperiment(experiment) };
  }

  /** Writes rows under one transaction id: `_is_merge` rows merge into the stored row, `_object_delete` removes it. */
  storeRows(rows: Record<string, unknown>[]): string[] {
    const xactId = this.nextXact();
    const ids: string[] = [];
    for (const incoming of rows) {
      const { _is_merge: isMerge, _object_delete: isDelete, ...row } = incoming;
      const id = typeof row.id === "string" ? row.id : randomUUID();
      ids.push(id);
      const key = objectKey(row);
      let store = this.objects.get(key);
      if (!store) this.objects.set(key, (store = new Map()));
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

  rows(filter: RowFilter = {}): StoredRow[] {
    const out: StoredRow[] = [];
    for (const store of this.objects.values()) {
      for (const row of store.values()) {
        const ok = Object.entries(filter).every(([k, v]) => v === undefined || row[k] === v);
        if (ok) out.push(row);
      }
    }
    return out;
  }

  insertFunctions(body: Record<string, any>) {
    const results = [];
    for (const def of (body.functions ?? []) as Record<string, any>[]) {
      if (!def.project_id || !this.projects.has(def.project_id)) throw new HttpError(400, `Unknown project_id ${def.project_id}`);
      if (!def.slug) throw new HttpError(400, "function slug is required");
      const existing = [...this.functions.values()].find((f) => f.project_id === def.project_id && f.slug === def.slug);
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
        _xact_id: this.nextXact(),
        project_id: def.project_id,
        org_id: this.orgId,
        slug: def.slug,
        name: def.name ?? def.slug,
        log_id: "p",
        created: existing?.created ?? nowIso(),
      };
      this.functions.set(fn.id, fn);
      results.push({ id: fn.id, slug: fn.slug, project_id: fn.project_id, found_existing: existing !== undefined });
    }
    return { status: "success", functions: results };
  }

  findFunctions(query: Record<string, string>, onlyPrompts: boolean): FakeFunction[] {
    const projectId = query.project_id ?? (query.project_name ? this.projectByName(query.project_name)?.id : undefined);
    return [...this.functions.values()].filter(
      (f) =>
        (projectId === undefined || f.project_id === projectId) &&
        (query.project_name === undefined || projectId !== undefined) &&
        (query.slug === undefined || f.slug === query.slug) &&
        (query.function_type === undefined || f.function_type === query.function_type) &&
        (!onlyPrompts || (f.function_data as { type?: string } | undefined)?.type === "prompt"),
    );
  }

  /** Back to the state right after start: no objects or rows but the seeded dataset's. */
  reset(): void {
    for (const m of [this.projects, this.experiments, this.datasets, this.functions, this.objects]) m.clear();
    this.seed();
  }

  private seed(): void {
    if (this.options.seededDataset === false) return;
    const s = this.options.seededDataset ?? {};
    const p = this.project(s.project ?? "seed-project", undefined);
    const dataset = this.registerDataset(p.id, s.name ?? "seed-dataset", { id: s.id ?? SEEDED_DATASET_ID });
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
    this.storeRows(rows);
  }
}
