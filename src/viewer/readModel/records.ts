// The experiments table as the viewer reads it: one record per experiment, what kind of run wrote it, and what
// its metadata says about the run (domain, models, tau2's numbers).
import { EXPERIMENT_SELECT, prepared, type Db, type StoredExperiment } from "../../recorder/localStore.js";
import type { RunMetricsReport } from "../../ingest/compute/metricsReport.js";
import type { ExperimentSource } from "../schemas.js";

export interface ExperimentRecord {
  id: string;
  project: string;
  name: string;
  description: string | null;
  created: string;
  dataset: { id: string; name: string } | null;
  /** The stored metadata, parsed. */
  metadata: Record<string, unknown>;
  source: ExperimentSource;
}

/** What `npm run eval` writes in an experiment's metadata (`source: "eval"`). */
const EVAL_SOURCE = "eval";
/** What the tau2 ingest writes (src/ingest/ingestJob.ts). */
const INGEST_SOURCE = "tau2-ingest";



function toRecord(r: StoredExperiment): ExperimentRecord {
  const parsed: unknown = r.metadata ? JSON.parse(r.metadata) : null;
  const metadata = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const source = metadata.source === INGEST_SOURCE && metadata.tau2_metrics ? "ingest" : metadata.source === EVAL_SOURCE ? "eval" : "other";
  return {
    id: r.id,
    project: r.project,
    name: r.name,
    description: r.description,
    created: r.created,
    dataset: r.dataset_id && r.dataset_name ? { id: r.dataset_id, name: r.dataset_name } : null,
    metadata,
    source,
  };
}

export function readExperiment(db: Db, id: string): ExperimentRecord | undefined {
  const row = prepared(db, `${EXPERIMENT_SELECT} WHERE e.id = ?`).get(id) as StoredExperiment | undefined;
  return row && toRecord(row);
}

export function readExperiments(db: Db, where: string, params: unknown[], page: { limit: number; offset: number }): ExperimentRecord[] {
  const rows = prepared(db, `${EXPERIMENT_SELECT} ${where} ORDER BY e.created DESC, e.name LIMIT ? OFFSET ?`)
    .all(...params, page.limit, page.offset) as StoredExperiment[];
  return rows.map(toRecord);
}

/** tau2's numbers as the ingest stored them. */
export function tau2MetricsOf(record: ExperimentRecord): RunMetricsReport | undefined {
  return record.source === "ingest" ? (record.metadata.tau2_metrics as RunMetricsReport) : undefined;
}

export const stringOr = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
export const numberOr = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
