// A local Recorder on a real SQLite file in a temporary DATA_DIR, and what tests read back from it.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { testConfig } from "../../src/config.js";
import { ingestLimits } from "../../src/ingest/read/ingestLimits.js";
import type { IngestSettings } from "../../src/ingest/ingestJob.js";
import { LocalRecorder } from "../../src/recorder/local.js";
import { LocalStore } from "../../src/recorder/localStore.js";
import { tempDir } from "../support/ingestFixtures.js";

export interface SpanRow {
  id: string;
  span_id: string;
  root_span_id: string;
  parent_span_id: string | null;
  name: string;
  type: string | null;
  input: unknown;
  output: unknown;
  expected: unknown;
  error: unknown;
  scores: Record<string, number> | null;
  metadata: Record<string, unknown> | null;
  metrics: Record<string, number> | null;
}

export class LocalHarness {
  readonly dir = tempDir();
  readonly dataDir = join(this.dir, "data");
  readonly store = new LocalStore(this.dataDir);
  readonly recorder = new LocalRecorder(this.store);
  readonly settings: IngestSettings = {
    recorder: this.recorder,
    project: "tests",
    spoolDir: join(this.dir, "spool"),
    limits: ingestLimits(testConfig()),
  };

  datasetRows(name: string): { id: string; input: unknown; expected: unknown; metadata: Record<string, unknown> }[] {
    return this.store.db
      .prepare(`SELECT r.id, r.input, r.expected, r.metadata FROM dataset_rows r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = ? ORDER BY r.id`)
      .all(name)
      .map((r: any) => ({ id: r.id, input: JSON.parse(r.input), expected: JSON.parse(r.expected), metadata: JSON.parse(r.metadata) }));
  }

  /** Every span of the named experiment, in insertion order. */
  spans(experiment: string): SpanRow[] {
    return this.store.db
      .prepare(`SELECT s.* FROM spans s JOIN experiments e ON e.id = s.object_id WHERE e.name = ? ORDER BY s.rowid`)
      .all(experiment)
      .map((r: any) => ({
        ...r,
        input: parse(r.input),
        output: parse(r.output),
        expected: parse(r.expected),
        error: parse(r.error),
        scores: parse(r.scores),
        metadata: parse(r.metadata),
        metrics: parse(r.metrics),
      }));
  }

  roots(experiment: string): SpanRow[] {
    return this.spans(experiment).filter((s) => s.parent_span_id === null);
  }

  children(experiment: string, parent: SpanRow): SpanRow[] {
    return this.spans(experiment).filter((s) => s.parent_span_id === parent.span_id);
  }

  count(table: "datasets" | "dataset_rows" | "experiments" | "spans"): number {
    return (this.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  }

  async close(): Promise<void> {
    await this.recorder.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function parse(v: unknown): any {
  return typeof v === "string" ? JSON.parse(v) : null;
}
