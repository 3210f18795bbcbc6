// The local Recorder: datasets, experiments, spans and prompts in SQLite under DATA_DIR, for runs without Braintrust.
// Spans behave like the SDK's: a first write replaces a row of the same id, later logs merge into it.
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { fromJson, LocalStore, prepared, toJson, type Db } from "./localStore.js";
import { rowsById } from "./datasetRows.js";
import type {
  DatasetHandle,
  DatasetRow,
  ExperimentHandle,
  ExperimentOptions,
  PromptDefinition,
  Recorder,
  RecorderSpan,
  SpanEvent,
  SpanType,
  StartSpanArgs,
  UpsertResult,
} from "./types.js";

type ObjectType = "experiment" | "project_logs";

const nowSeconds = () => Date.now() / 1000;

/** Bulk spans share one open transaction until the next flush (one commit instead of one per span). */
function joinBulkTransaction(db: Db): void {
  if (!db.inTransaction) db.exec("BEGIN");
}

function commitBulkTransaction(db: Db): void {
  if (db.open && db.inTransaction) db.exec("COMMIT");
}
// Spans created within the same millisecond share the string (formatting a date costs microseconds).
let lastIso = { ms: NaN, iso: "" };
function nowIso(): string {
  const ms = Date.now();
  if (ms !== lastIso.ms) lastIso = { ms, iso: new Date(ms).toISOString() };
  return lastIso.iso;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The SDK's merge of successive logs to one span: objects merge key by key, other values are replaced. */
function merge(base: unknown, update: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(update)) return update;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(update)) out[k] = k in base ? merge(base[k], v) : v;
  return out;
}

interface SpanState {
  objectType: ObjectType;
  objectId: string;
  id: string;
  spanId: string;
  rootSpanId: string;
  parentSpanId: string | null;
  name: string;
  type: SpanType | null;
  event: Omit<SpanEvent, "id">;
  created: string;
  /** Written once, when it ends, inside the bulk transaction (ExperimentOptions.bulk). */
  bulk: boolean;
}

class LocalSpan implements RecorderSpan {
  private ended: number | undefined;

  constructor(
    private readonly db: Db,
    private readonly state: SpanState,
  ) {}

  static start(
    db: Db,
    where: { objectType: ObjectType; objectId: string; bulk?: boolean },
    args: StartSpanArgs,
    parent?: SpanState,
  ) {
    // No object spread followed by more properties here: V8 builds those on its slow path, and an ingest starts a
    // hundred thousand spans. The caller's metrics come first, then start (in place when the caller set one).
    const { id, ...event } = args.event ?? {};
    const metrics: Record<string, number> = Object.assign({}, event.metrics);
    metrics.start = args.startTime ?? nowSeconds();
    event.metrics = metrics;
    const spanId = randomUUID();
    const state: SpanState = {
      objectType: where.objectType,
      objectId: where.objectId,
      id: id ?? randomUUID(),
      spanId,
      rootSpanId: parent?.rootSpanId ?? spanId,
      parentSpanId: parent?.spanId ?? null,
      name: args.name ?? (parent ? "span" : "root"),
      type: args.type ?? (parent ? null : where.objectType === "experiment" ? "eval" : "task"),
      event,
      created: nowIso(),
      bulk: parent?.bulk ?? where.bulk ?? false,
    };
    const span = new LocalSpan(db, state);
    if (!state.bulk) span.writeFirst();
    return span;
  }

  get id() {
    return this.state.id;
  }
  get spanId() {
    return this.state.spanId;
  }
  get rootSpanId() {
    return this.state.rootSpanId;
  }

  log(event: SpanEvent): void {
    const { id: _id, ...rest } = event;
    this.state.event = merge(this.state.event, rest) as SpanState["event"];
    if (!this.state.bulk) this.write();
  }

  startSpan(args: StartSpanArgs = {}): RecorderSpan {
    const { objectType, objectId } = this.state;
    return LocalSpan.start(this.db, { objectType, objectId }, args, this.state);
  }

  end(args: { endTime?: number } = {}): number {
    if (this.ended === undefined) {
      this.ended = args.endTime ?? nowSeconds();
      // What log({ metrics: { end } }) would merge, without its generic walk.
      const e = this.state.event;
      e.metrics = Object.assign({}, isPlainObject(e.metrics) ? e.metrics : undefined, { end: this.ended });
      if (this.state.bulk) {
        joinBulkTransaction(this.db);
        this.writeFirst();
      } else {
        this.write();
      }
    }
    return this.ended;
  }

  /** A first write replaces what an earlier run stored under this id, its child spans included (re-ingest). */
  private writeFirst(): void {
    const s = this.state;
    // Only a root replaces an earlier trace; a child span just upserts its row.
    if (s.parentSpanId !== null) return this.write();
    this.db.transaction(() => {
      const previous = prepared(
        this.db,
        `SELECT root_span_id FROM spans WHERE object_type = ? AND object_id = ? AND id = ? AND parent_span_id IS NULL`,
      ).get(s.objectType, s.objectId, s.id) as { root_span_id: string } | undefined;
      // A bulk root is written after its children: keep those (they belong to this root span).
      if (previous && s.parentSpanId === null && previous.root_span_id !== s.rootSpanId) {
        prepared(this.db, `DELETE FROM spans WHERE object_type = ? AND object_id = ? AND root_span_id = ?`).run(
          s.objectType,
          s.objectId,
          previous.root_span_id,
        );
      }
      this.write();
    })();
  }

  private write(): void {
    const s = this.state;
    const e = s.event;
    prepared(
      this.db,
      `INSERT INTO spans (object_type, object_id, id, span_id, root_span_id, parent_span_id, name, type, input, output,
           expected, error, tags, scores, metadata, metrics, start, "end", created)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (object_type, object_id, id) DO UPDATE SET
           span_id = excluded.span_id, root_span_id = excluded.root_span_id, parent_span_id = excluded.parent_span_id,
           name = excluded.name, type = excluded.type, input = excluded.input, output = excluded.output,
           expected = excluded.expected, error = excluded.error, tags = excluded.tags, scores = excluded.scores,
           metadata = excluded.metadata, metrics = excluded.metrics, start = excluded.start, "end" = excluded."end"`,
      )
      // Positional arguments: better-sqlite3 binds them directly, where an object costs a lookup per name.
      .run(
        s.objectType,
        s.objectId,
        s.id,
        s.spanId,
        s.rootSpanId,
        s.parentSpanId,
        s.name,
        s.type,
        toJson(e.input),
        toJson(e.output),
        toJson(e.expected),
        toJson(e.error),
        toJson(e.tags),
        toJson(e.scores),
        toJson(e.metadata),
        toJson(e.metrics),
        e.metrics?.start ?? null,
        e.metrics?.end ?? null,
        s.created,
      );
  }
}

class LocalDataset implements DatasetHandle {
  constructor(
    private readonly db: Db,
    private readonly project: string,
    readonly name: string,
  ) {}

  async id(): Promise<string> {
    const found = this.db.prepare(`SELECT id FROM datasets WHERE project = ? AND name = ?`).get(this.project, this.name) as
      | { id: string }
      | undefined;
    if (found) return found.id;
    const id = randomUUID();
    this.db
      .prepare(`INSERT INTO datasets (id, project, name, created) VALUES (?, ?, ?, ?)`)
      .run(id, this.project, this.name, nowIso());
    return id;
  }

  async upsert(rows: DatasetRow[]): Promise<UpsertResult> {
    const byId = rowsById(rows);
    const datasetId = await this.id();
    const exists = this.db.prepare(`SELECT 1 FROM dataset_rows WHERE dataset_id = ? AND id = ?`);
    const upsert = this.db.prepare(
      `INSERT INTO dataset_rows (dataset_id, id, input, expected, metadata, tags, created, updated)
       VALUES (@datasetId, @id, @input, @expected, @metadata, @tags, @now, @now)
       ON CONFLICT (dataset_id, id) DO UPDATE SET input = excluded.input, expected = excluded.expected,
         metadata = excluded.metadata, tags = excluded.tags, updated = excluded.updated`,
    );
    return this.db.transaction(() => {
      let newRows = 0;
      const now = nowIso();
      for (const r of byId.values()) {
        if (!exists.get(datasetId, r.id)) newRows++;
        upsert.run({
          datasetId,
          id: r.id,
          input: toJson(r.input),
          expected: toJson(r.expected),
          metadata: toJson(r.metadata),
          tags: toJson(r.tags),
          now,
        });
      }
      return { rows: byId.size, newRows };
    })();
  }
}

class LocalExperiment implements ExperimentHandle {
  constructor(
    private readonly db: Db,
    readonly name: string,
    private readonly experimentId: string,
    private readonly existing: Set<string>,
    private readonly bulk = false,
  ) {}

  async id() {
    return this.experimentId;
  }
  async url() {
    return undefined;
  }
  startSpan(args: StartSpanArgs = {}): RecorderSpan {
    return LocalSpan.start(this.db, { objectType: "experiment", objectId: this.experimentId, bulk: this.bulk }, args);
  }
  async existingRowIds() {
    return new Set(this.existing);
  }
  async flush() {
    commitBulkTransaction(this.db);
  }
}

export class LocalRecorder implements Recorder {
  readonly kind = "local";

  constructor(readonly store: LocalStore) {}

  get reader(): LocalStore {
    return this.store;
  }

  dataset(project: string, name: string): DatasetHandle {
    return new LocalDataset(this.store.db, project, name);
  }

  async experiment(project: string, name: string, options: ExperimentOptions = {}): Promise<ExperimentHandle> {
    const db = this.store.db;
    const datasetId = options.dataset ? await options.dataset.id() : null;
    const created = db.transaction(() => {
      const reused = options.update
        ? (db.prepare(`SELECT id FROM experiments WHERE project = ? AND name = ?`).get(project, name) as { id: string } | undefined)
        : undefined;
      if (reused) {
        db.prepare(
          `UPDATE experiments SET description = COALESCE(?, description), metadata = COALESCE(?, metadata),
             dataset_id = COALESCE(?, dataset_id) WHERE id = ?`,
        ).run(options.description ?? null, toJson(options.metadata), datasetId, reused.id);
        return { id: reused.id, name };
      }
      // Like Braintrust, a name already taken in the project gets a numeric suffix.
      const taken = db.prepare(`SELECT 1 FROM experiments WHERE project = ? AND name = ?`);
      let unique = name;
      for (let n = 1; taken.get(project, unique); n++) unique = `${name}-${n}`;
      const id = randomUUID();
      db.prepare(
        `INSERT INTO experiments (id, project, name, description, metadata, dataset_id, created) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, project, unique, options.description ?? null, toJson(options.metadata), datasetId, nowIso());
      return { id, name: unique };
    })();
    const existing = db
      .prepare(`SELECT id FROM spans WHERE object_type = 'experiment' AND object_id = ? AND parent_span_id IS NULL`)
      .all(created.id) as { id: string }[];
    return new LocalExperiment(db, created.name, created.id, new Set(existing.map((r) => r.id)), options.bulk);
  }

  logSpan(project: string, args: StartSpanArgs = {}): RecorderSpan {
    return LocalSpan.start(this.store.db, { objectType: "project_logs", objectId: project }, args);
  }

  async upsertPrompt(project: string, prompt: PromptDefinition): Promise<{ id: string; changed: boolean }> {
    const db = this.store.db;
    const definition = { ...prompt };
    return db.transaction(() => {
      const found = db.prepare(`SELECT id, definition FROM prompts WHERE project = ? AND slug = ?`).get(project, prompt.slug) as
        | { id: string; definition: string }
        | undefined;
      if (found && isDeepStrictEqual(fromJson(found.definition), JSON.parse(JSON.stringify(definition)))) {
        return { id: found.id, changed: false };
      }
      const now = nowIso();
      if (found) {
        db.prepare(`UPDATE prompts SET definition = ?, version = version + 1, updated = ? WHERE id = ?`).run(
          JSON.stringify(definition),
          now,
          found.id,
        );
        return { id: found.id, changed: true };
      }
      const id = randomUUID();
      db.prepare(
        `INSERT INTO prompts (id, project, slug, definition, version, created, updated) VALUES (?, ?, ?, ?, 1, ?, ?)`,
      ).run(id, project, prompt.slug, JSON.stringify(definition), now, now);
      return { id, changed: true };
    })();
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.store.close();
  }
}
