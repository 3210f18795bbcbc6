// The local SQLite store (`${DATA_DIR}/sema4.db`): its schema, and the read side the HTTP routes use.
// The file is created on first use, so a service that never records anything leaves no trace on disk.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS datasets (
  id TEXT PRIMARY KEY,
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  created TEXT NOT NULL,
  UNIQUE (project, name)
);
CREATE TABLE IF NOT EXISTS dataset_rows (
  dataset_id TEXT NOT NULL REFERENCES datasets(id),
  id TEXT NOT NULL,
  input TEXT,
  expected TEXT,
  metadata TEXT,
  tags TEXT,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  PRIMARY KEY (dataset_id, id)
);
CREATE TABLE IF NOT EXISTS experiments (
  id TEXT PRIMARY KEY,
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  metadata TEXT,
  dataset_id TEXT REFERENCES datasets(id),
  created TEXT NOT NULL,
  UNIQUE (project, name)
);
-- One table for experiment rows and project log rows, like Braintrust's object_type/object_id.
CREATE TABLE IF NOT EXISTS spans (
  object_type TEXT NOT NULL CHECK (object_type IN ('experiment', 'project_logs')),
  object_id TEXT NOT NULL,
  id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  root_span_id TEXT NOT NULL,
  parent_span_id TEXT,
  name TEXT,
  type TEXT,
  input TEXT,
  output TEXT,
  expected TEXT,
  error TEXT,
  tags TEXT,
  scores TEXT,
  metadata TEXT,
  metrics TEXT,
  start REAL,
  "end" REAL,
  created TEXT NOT NULL,
  PRIMARY KEY (object_type, object_id, id)
);
CREATE INDEX IF NOT EXISTS spans_trace ON spans (object_type, object_id, root_span_id);
CREATE INDEX IF NOT EXISTS spans_roots ON spans (object_type, object_id, created) WHERE parent_span_id IS NULL;
-- The viewer's task table: each row's trial and score spans, without reading the conversations under them.
CREATE INDEX IF NOT EXISTS spans_trials ON spans (object_type, object_id, root_span_id)
  WHERE parent_span_id IS NOT NULL AND (name GLOB 'trial *' OR type = 'score');
-- The viewer's experiment list: newest first, within a project.
CREATE INDEX IF NOT EXISTS experiments_created ON experiments (created);
CREATE TABLE IF NOT EXISTS prompts (
  id TEXT PRIMARY KEY,
  project TEXT NOT NULL,
  slug TEXT NOT NULL,
  definition TEXT NOT NULL,
  version INTEGER NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  UNIQUE (project, slug)
);
`;

interface ScoreSummary {
  mean: number;
  /** Traces that have the score. */
  count: number;
}

interface MetricSummary {
  mean: number;
  count: number;
  unit?: string;
}

export interface ExperimentSummary {
  id: string;
  project: string;
  name: string;
  description: string | null;
  metadata: Record<string, unknown> | null;
  created: string;
  dataset: { id: string; name: string } | null;
  /** Root rows (cases). */
  rowCount: number;
  errorCount: number;
  scores: Record<string, ScoreSummary>;
  metrics: Record<string, MetricSummary>;
}

interface ExperimentRow {
  id: string;
  spanId: string;
  rootSpanId: string;
  name: string | null;
  type: string | null;
  input: unknown;
  output: unknown;
  expected: unknown;
  error: unknown;
  tags: string[] | null;
  scores: Record<string, number | null> | null;
  metadata: Record<string, unknown> | null;
  metrics: Record<string, number> | null;
  start: number | null;
  end: number | null;
  created: string;
}

export interface ExperimentPage {
  experiment: ExperimentSummary;
  rows: ExperimentRow[];
  total: number;
  limit: number;
  offset: number;
}

/** What the experiment routes read. */
export interface ExperimentReader {
  listExperiments(): ExperimentSummary[];
  getExperiment(id: string, page: { limit: number; offset: number }): ExperimentPage | undefined;
}

const statements = new WeakMap<Db, Map<string, Database.Statement>>();
/**
 * A statement compiled once per connection: an ingest writes a hundred thousand spans, and compiling a query
 * costs more than running one of the viewer's small ones.
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}

export const toJson = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
export const fromJson = (v: unknown): any => (typeof v === "string" ? JSON.parse(v) : null);

/** An experiments row with its dataset's name, as EXPERIMENT_SELECT reads it (here and in the viewer's read model). */
export interface StoredExperiment {
  id: string;
  project: string;
  name: string;
  description: string | null;
  metadata: string | null;
  created: string;
  dataset_id: string | null;
  dataset_name: string | null;
}

export const EXPERIMENT_FROM = `experiments e LEFT JOIN datasets d ON d.id = e.dataset_id`;
export const EXPERIMENT_SELECT = `
  SELECT e.id, e.project, e.name, e.description, e.metadata, e.created, e.dataset_id, d.name AS dataset_name
  FROM ${EXPERIMENT_FROM}`;

// A trace's score is its root row's; traces whose root has none take the mean of their spans' (score spans).
const SCORES_SQL = `
  WITH span_scores AS (
    SELECT s.root_span_id, j.key AS name, j.value AS value, s.parent_span_id IS NULL AS is_root
    FROM spans s, json_each(s.scores) j
    WHERE s.object_type = 'experiment' AND s.object_id = ? AND j.type IN ('integer', 'real')
  ), per_trace AS (
    SELECT name, COALESCE(MAX(CASE WHEN is_root THEN value END), AVG(value)) AS value
    FROM span_scores GROUP BY root_span_id, name
  )
  SELECT name, AVG(value) AS mean, COUNT(*) AS count FROM per_trace GROUP BY name ORDER BY name`;

// Metrics other than start/end add up over a trace (tokens of its LLM spans), then average over traces.
const METRICS_SQL = `
  WITH per_trace AS (
    SELECT j.key AS name, SUM(j.value) AS value
    FROM spans s, json_each(s.metrics) j
    WHERE s.object_type = 'experiment' AND s.object_id = ? AND j.type IN ('integer', 'real')
      AND j.key NOT IN ('start', 'end')
    GROUP BY s.root_span_id, j.key
  )
  SELECT name, AVG(value) AS mean, COUNT(*) AS count FROM per_trace GROUP BY name ORDER BY name`;

const ROOTS_SQL = `
  SELECT COUNT(*) AS rows, COUNT(error) AS errors,
         AVG("end" - start) AS duration, COUNT("end" - start) AS timed
  FROM spans WHERE object_type = 'experiment' AND object_id = ? AND parent_span_id IS NULL`;

export class LocalStore implements ExperimentReader {
  readonly path: string;
  private handle: Db | undefined;

  constructor(readonly dataDir: string) {
    this.path = join(dataDir, "sema4.db");
  }

  get db(): Db {
    if (!this.handle) {
      mkdirSync(this.dataDir, { recursive: true });
      const db = new Database(this.path);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
      db.exec(SCHEMA);
      this.handle = db;
    }
    return this.handle;
  }

  listExperiments(): ExperimentSummary[] {
    if (!this.exists()) return [];
    const records = this.db.prepare(`${EXPERIMENT_SELECT} ORDER BY e.created DESC, e.name`).all() as StoredExperiment[];
    return records.map((r) => this.summarize(r));
  }

  getExperiment(id: string, { limit, offset }: { limit: number; offset: number }): ExperimentPage | undefined {
    if (!this.exists()) return undefined;
    const record = this.db.prepare(`${EXPERIMENT_SELECT} WHERE e.id = ?`).get(id) as StoredExperiment | undefined;
    if (!record) return undefined;
    const experiment = this.summarize(record);
    const rows = this.db
      .prepare(
        `SELECT * FROM spans WHERE object_type = 'experiment' AND object_id = ? AND parent_span_id IS NULL
         ORDER BY created, rowid LIMIT ? OFFSET ?`,
      )
      .all(id, limit, offset) as Record<string, unknown>[];
    return { experiment, rows: rows.map(toExperimentRow), total: experiment.rowCount, limit, offset };
  }

  /** Reading does not create the database: nothing recorded yet means nothing to show. */
  exists(): boolean {
    return this.handle !== undefined || existsSync(this.path);
  }

  close(): void {
    // A bulk writer's transaction (ExperimentOptions.bulk) is kept, not rolled back.
    if (this.handle?.inTransaction) this.handle.exec("COMMIT");
    this.handle?.close();
    this.handle = undefined;
  }

  private summarize(r: StoredExperiment): ExperimentSummary {
    const roots = this.db.prepare(ROOTS_SQL).get(r.id) as { rows: number; errors: number; duration: number | null; timed: number };
    const scores = this.db.prepare(SCORES_SQL).all(r.id) as { name: string; mean: number; count: number }[];
    const metrics = this.db.prepare(METRICS_SQL).all(r.id) as { name: string; mean: number; count: number }[];
    return {
      id: r.id,
      project: r.project,
      name: r.name,
      description: r.description,
      metadata: fromJson(r.metadata),
      created: r.created,
      dataset: r.dataset_id && r.dataset_name ? { id: r.dataset_id, name: r.dataset_name } : null,
      rowCount: roots.rows,
      errorCount: roots.errors,
      scores: Object.fromEntries(scores.map((s) => [s.name, { mean: s.mean, count: s.count }])),
      metrics: {
        ...(roots.duration === null ? {} : { duration: { mean: roots.duration, count: roots.timed, unit: "s" } }),
        ...Object.fromEntries(metrics.map((m) => [m.name, { mean: m.mean, count: m.count }])),
      },
    };
  }
}

function toExperimentRow(r: Record<string, unknown>): ExperimentRow {
  return {
    id: r.id as string,
    spanId: r.span_id as string,
    rootSpanId: r.root_span_id as string,
    name: (r.name as string | null) ?? null,
    type: (r.type as string | null) ?? null,
    input: fromJson(r.input),
    output: fromJson(r.output),
    expected: fromJson(r.expected),
    error: fromJson(r.error),
    tags: fromJson(r.tags),
    scores: fromJson(r.scores),
    metadata: fromJson(r.metadata),
    metrics: fromJson(r.metrics),
    start: (r.start as number | null) ?? null,
    end: (r.end as number | null) ?? null,
    created: r.created as string,
  };
}
