// The viewer's read model over the local store: each data-API answer, bounded and paged. Reading never creates
// the database: a store nothing was recorded in answers empty lists and 404s.
import { AppError } from "../../errors.js";
import { BOOTSTRAP_DEFAULTS } from "../../metrics/bootstrap.js";
import { EXPERIMENT_FROM, prepared, type LocalStore } from "../../recorder/localStore.js";
import { LRUCache } from "lru-cache";
import type {
  CandidateComparison,
  Comparison,
  CompareQuery,
  ExperimentDetail,
  ExperimentList,
  ExperimentsQuery,
  LogPage,
  LogsQuery,
  ObjectType,
  SpanDetail,
  TaskPage,
  TaskRow,
  TasksQuery,
  Trace,
  TraceKind,
  TraceQuery,
} from "../schemas.js";
import { taskClass, tally } from "../outcome.js";
import { compareRuns, runCells, type ComparedRun } from "./compare.js";
import { likePattern } from "./like.js";
import { readLogs } from "./logs.js";
import { boundValue } from "./preview.js";
import { readExperiment, readExperiments, type ExperimentRecord } from "./records.js";
import { ExperimentCache, metricsOfTasks } from "./summaries.js";
import type { TaskRecord } from "./taskTrials.js";
import { readSpan, readTrace } from "./traces.js";

const METADATA_BYTES = 16 * 1024;

export class ViewerReader {
  private readonly cache: ExperimentCache;
  private readonly comparisons = new LRUCache<string, CandidateComparison>({ max: 64 });

  constructor(private readonly store: LocalStore) {
    this.cache = new ExperimentCache(() => store.db);
  }

  listExperiments(query: ExperimentsQuery): ExperimentList {
    const empty = { experiments: [], total: 0, limit: query.limit, offset: query.offset, groups: [] };
    if (!this.store.exists()) return empty;
    const db = this.store.db;
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.project) {
      where.push("e.project = ?");
      params.push(query.project);
    }
    if (query.dataset) {
      where.push("e.dataset_id = ?");
      params.push(query.dataset);
    }
    if (query.q) {
      const fields = ["e.name", "d.name", "json_extract(e.metadata, '$.agent_model')", "json_extract(e.metadata, '$.model')", "json_extract(e.metadata, '$.domain')"];
      where.push(`(${fields.map((f) => `${f} LIKE ? ESCAPE '\\'`).join(" OR ")})`);
      params.push(...fields.map(() => likePattern(query.q!)));
    }
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const records = readExperiments(db, clause, params, query);
    const { total } = prepared(db, `SELECT COUNT(*) AS total FROM ${EXPERIMENT_FROM} ${clause}`).get(...params) as { total: number };
    const groups = prepared(db, 
        `SELECT e.project, e.dataset_id, d.name AS dataset_name, COUNT(*) AS experiments FROM ${EXPERIMENT_FROM}
         GROUP BY e.project, e.dataset_id ORDER BY e.project, d.name`,
      )
      .all() as { project: string; dataset_id: string | null; dataset_name: string | null; experiments: number }[];
    return {
      experiments: records.map((r) => this.cache.summary(r)),
      total,
      limit: query.limit,
      offset: query.offset,
      groups: groups.map((g) => ({
        project: g.project,
        dataset: g.dataset_id && g.dataset_name ? { id: g.dataset_id, name: g.dataset_name } : null,
        experiments: g.experiments,
      })),
    };
  }

  experiment(id: string): ExperimentDetail {
    const record = this.record(id);
    const metadata = boundValue(record.metadata, METADATA_BYTES);
    return {
      experiment: {
        ...this.cache.detail(record),
        description: record.description,
        metadata: metadata.value,
        metadataTruncated: metadata.truncated,
        confidence: BOOTSTRAP_DEFAULTS.confidence,
      },
    };
  }

  tasks(id: string, query: TasksQuery): TaskPage {
    const record = this.record(id);
    const rows = this.cache.tasks(record).map(taskRow);
    const counts = { failing: 0, flaky: 0, passing: 0 };
    for (const r of rows) {
      const c = taskClass(r);
      if (c) counts[c]++;
    }
    const q = query.q?.toLowerCase();
    const matching = rows.filter(
      (r) =>
        (query.filter === "all" || taskClass(r) === query.filter) &&
        (!q || r.taskId.toLowerCase().includes(q) || (r.description ?? "").toLowerCase().includes(q)),
    );
    matching.sort(taskOrder(query.sort, query.order));
    return {
      tasks: matching.slice(query.offset, query.offset + query.limit),
      total: matching.length,
      totalTasks: rows.length,
      counts,
      maxTrials: Math.max(0, ...rows.map((r) => r.trials.length)),
      limit: query.limit,
      offset: query.offset,
    };
  }

  trace(where: { objectType: ObjectType; objectId: string; rootSpanId: string }, query: TraceQuery): Trace {
    const found = this.store.exists() ? readTrace(this.store.db, where, query) : undefined;
    if (!found) throw new AppError("NOT_FOUND", `Trace ${where.rootSpanId} not found in ${where.objectType} ${where.objectId}`);
    const record = where.objectType === "experiment" ? readExperiment(this.store.db, where.objectId) : undefined;
    const kind: TraceKind = where.objectType === "project_logs" ? "agent" : record?.source === "ingest" ? "tau2" : "eval";
    return {
      ...where,
      kind,
      ...found,
      experiment: record ? { id: record.id, name: record.name, project: record.project } : null,
    };
  }

  span(where: { objectType: ObjectType; objectId: string; rootSpanId: string; spanId: string }): SpanDetail {
    const span = this.store.exists() ? readSpan(this.store.db, where) : undefined;
    if (!span) throw new AppError("NOT_FOUND", `Span ${where.spanId} not found in trace ${where.rootSpanId}`);
    return { span };
  }

  logs(query: LogsQuery): LogPage {
    if (!this.store.exists()) return { runs: [], total: 0, limit: query.limit, offset: query.offset, projects: [] };
    return readLogs(this.store.db, query);
  }

  compare(query: CompareQuery): Comparison {
    const baseline = this.compared(query.baseline);
    const candidates = query.candidate.map((id) => this.compared(id));
    // The paired bootstrap resamples every k of pass^k 2,000 times: worth keeping while neither run changes.
    const comparisons = candidates.map((c) => {
      const key = [baseline.key, c.key, query.limit, query.offset, query.differencesOnly].join("\u0000");
      let comparison = this.comparisons.get(key);
      if (!comparison) this.comparisons.set(key, (comparison = compareRuns(baseline, c, query)));
      return comparison;
    });
    const shown = new Set(comparisons.flatMap((c) => c.rows.map((r) => r.taskId)));
    const runs: Comparison["runs"] = {};
    for (const run of [baseline, ...candidates]) runs[run.summary.id] = runCells(run, shown);
    return { baseline: baseline.summary, comparisons, runs, confidence: BOOTSTRAP_DEFAULTS.confidence };
  }

  private compared(id: string): ComparedRun & { key: string } {
    const record = this.record(id);
    const tasks = this.cache.tasks(record);
    return { summary: this.cache.summary(record), tasks, metrics: metricsOfTasks(record, tasks), key: this.cache.key(record) };
  }

  private record(id: string): ExperimentRecord {
    const record = this.store.exists() ? readExperiment(this.store.db, id) : undefined;
    if (!record) throw new AppError("NOT_FOUND", `Experiment ${id} not found`);
    return record;
  }
}

function taskRow(t: TaskRecord): TaskRow {
  const { passed, counted, successRate } = tally(t.trials.map((x) => x.outcome));
  return {
    taskId: t.taskId,
    rowId: t.rowId,
    rootSpanId: t.rootSpanId,
    description: t.description,
    successRate,
    passed,
    counted,
    trials: t.trials.map(({ metrics: _m, ...cell }) => cell),
    cost: t.cost,
    durationSeconds: t.durationSeconds,
    termination: t.termination,
  };
}

/** Missing values sort last whatever the order; ties by task id. */
function taskOrder(sort: TasksQuery["sort"], order: TasksQuery["order"]) {
  const value = (r: TaskRow): number | string | null =>
    sort === "task" ? r.taskId : sort === "success" ? r.successRate : sort === "cost" ? r.cost : r.durationSeconds;
  const sign = order === "asc" ? 1 : -1;
  return (x: TaskRow, y: TaskRow) => {
    const a = value(x);
    const b = value(y);
    if (a === null || b === null) {
      if (a !== b) return a === null ? 1 : -1;
    } else if (a !== b) return (a < b ? -1 : 1) * sign;
    return x.taskId < y.taskId ? -1 : x.taskId > y.taskId ? 1 : 0;
  };
}
