// The local Recorder against a real SQLite file in a temporary DATA_DIR.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalRecorder } from "../../src/recorder/local.js";
import { LocalStore } from "../../src/recorder/localStore.js";

let dataDir: string;
let store: LocalStore;
let recorder: LocalRecorder;

beforeEach(() => {
  dataDir = join(mkdtempSync(join(tmpdir(), "sema4-local-")), "data");
  store = new LocalStore(dataDir);
  recorder = new LocalRecorder(store);
});
afterEach(async () => {
  await recorder.close();
  rmSync(join(dataDir, ".."), { recursive: true, force: true });
});

/** A root row with a task child span and a score. */
function logCase(experiment: Awaited<ReturnType<LocalRecorder["experiment"]>>, id: string, score: number, seconds = 2) {
  const root = experiment.startSpan({ name: "eval", event: { id, input: { id }, expected: "ok" }, startTime: 100 });
  const task = root.startSpan({ name: "task", type: "task", event: { input: { id } } });
  task.log({ output: "ok", metrics: { tokens: 10 } });
  task.end({ endTime: 101 });
  root.log({ output: "ok", scores: { exact: score } });
  root.end({ endTime: 100 + seconds });
  return root;
}

describe("local recorder", () => {
  it("creates the WAL database under DATA_DIR on first use only", async () => {
    expect(existsSync(join(dataDir, "sema4.db"))).toBe(false);
    await recorder.dataset("p", "d").id();
    expect(existsSync(join(dataDir, "sema4.db"))).toBe(true);
    const raw = new Database(join(dataDir, "sema4.db"), { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("upserts dataset rows by id and reports the new ones", async () => {
    const ds = recorder.dataset("p", "d");
    expect(await ds.upsert([{ id: "a", input: 1, expected: 2 }, { id: "b", input: 3 }])).toEqual({ rows: 2, newRows: 2 });
    expect(await ds.upsert([{ id: "a", input: 1, expected: 5 }, { id: "c", input: 4 }])).toEqual({ rows: 2, newRows: 1 });
    expect(await recorder.dataset("p", "d").id()).toBe(await ds.id());
    const rows = store.db.prepare(`SELECT id, expected FROM dataset_rows ORDER BY id`).all();
    expect(rows).toEqual([
      { id: "a", expected: "5" },
      { id: "b", expected: null },
      { id: "c", expected: null },
    ]);
  });

  it("refuses rows without an id and writes nothing of the batch", async () => {
    const ds = recorder.dataset("p", "d");
    await expect(ds.upsert([{ id: "a", input: 1 }, { id: "", input: 2 }])).rejects.toThrow(/row 1 has no id/);
    expect(store.db.prepare(`SELECT COUNT(*) AS n FROM dataset_rows`).get()).toEqual({ n: 0 });
  });

  it("records spans and summarizes scores, duration and summed metrics per experiment", async () => {
    const ds = recorder.dataset("p", "d");
    await ds.upsert([{ id: "c1", input: 1 }]);
    const exp = await recorder.experiment("p", "run", { dataset: ds, metadata: { model: "m" } });
    logCase(exp, "c1", 1, 2);
    logCase(exp, "c2", 0, 4);
    const failed = exp.startSpan({ event: { id: "c3", input: 3 } });
    failed.log({ error: "boom" });
    failed.end();

    const [summary] = store.listExperiments();
    expect(summary).toMatchObject({
      id: await exp.id(),
      name: "run",
      project: "p",
      metadata: { model: "m" },
      dataset: { id: await ds.id(), name: "d" },
      rowCount: 3,
      errorCount: 1,
      scores: { exact: { mean: 0.5, count: 2 } },
      metrics: { tokens: { mean: 10, count: 2 } },
    });
    expect(summary.metrics.duration.count).toBe(3);

    const page = store.getExperiment(await exp.id(), { limit: 2, offset: 0 })!;
    expect(page.total).toBe(3);
    expect(page.rows.map((r) => r.id)).toEqual(["c1", "c2"]);
    expect(page.rows[0]).toMatchObject({
      type: "eval",
      name: "eval",
      input: { id: "c1" },
      output: "ok",
      expected: "ok",
      scores: { exact: 1 },
      metrics: { start: 100, end: 102 },
      start: 100,
      end: 102,
    });
    expect(store.getExperiment(await exp.id(), { limit: 2, offset: 2 })!.rows.map((r) => r.id)).toEqual(["c3"]);
    const children = store.db
      .prepare(`SELECT name, parent_span_id, root_span_id FROM spans WHERE parent_span_id IS NOT NULL ORDER BY created, id`)
      .all();
    const c1 = page.rows[0];
    expect(children).toContainEqual({ name: "task", parent_span_id: c1.spanId, root_span_id: c1.rootSpanId });
    expect(children).toHaveLength(2);
  });

  it("takes a trace's score from its score spans when the root has none", async () => {
    const exp = await recorder.experiment("p", "scored-by-children");
    for (const [id, s] of [["a", 1], ["b", 0.5]] as const) {
      const root = exp.startSpan({ event: { id, input: id } });
      const scorer = root.startSpan({ name: "exact", type: "score" });
      scorer.log({ scores: { exact: s } });
      scorer.end();
      root.end();
    }
    expect(store.listExperiments()[0].scores).toEqual({ exact: { mean: 0.75, count: 2 } });
  });

  it("reuses an experiment with update, replaces re-logged rows and tells which existed", async () => {
    const first = await recorder.experiment("p", "ingest");
    logCase(first, "c1", 0);
    const again = await recorder.experiment("p", "ingest", { update: true });
    expect(await again.id()).toBe(await first.id());
    expect(await again.existingRowIds()).toEqual(new Set(["c1"]));
    logCase(again, "c1", 1);
    logCase(again, "c2", 1);
    const page = store.getExperiment(await again.id(), { limit: 10, offset: 0 })!;
    expect(page.rows.map((r) => [r.id, r.scores])).toEqual([
      ["c1", { exact: 1 }],
      ["c2", { exact: 1 }],
    ]);
    // The replaced trace's child span went with it.
    expect(store.db.prepare(`SELECT COUNT(*) AS n FROM spans`).get()).toEqual({ n: 4 });

    const fresh = await recorder.experiment("p", "ingest");
    expect(fresh.name).toBe("ingest-1");
    expect(await fresh.id()).not.toBe(await first.id());
  });

  it("merges successive logs like the SDK and keeps the first end time", async () => {
    const span = recorder.logSpan("p", { name: "agent", event: { input: "q", metadata: { a: 1 } } });
    span.log({ metadata: { b: 2 }, tags: ["x"] });
    span.log({ tags: ["y"] });
    const end = span.end({ endTime: 5 });
    expect(span.end({ endTime: 9 })).toBe(end);
    const row = store.db.prepare(`SELECT * FROM spans WHERE object_type = 'project_logs'`).get() as Record<string, unknown>;
    expect(row).toMatchObject({ object_id: "p", name: "agent", type: "task", end: 5 });
    expect(JSON.parse(row.metadata as string)).toEqual({ a: 1, b: 2 });
    expect(JSON.parse(row.tags as string)).toEqual(["y"]);
  });

  it("upserts prompts by project and slug and reports when nothing changed", async () => {
    const prompt = { slug: "sql", name: "SQL", model: "gpt-4o", messages: [{ role: "system" as const, content: "hi" }] };
    const created = await recorder.upsertPrompt("p", prompt);
    expect(created.changed).toBe(true);
    expect(await recorder.upsertPrompt("p", { ...prompt })).toEqual({ id: created.id, changed: false });
    expect(await recorder.upsertPrompt("p", { ...prompt, model: "gpt-4o-mini" })).toEqual({ id: created.id, changed: true });
    expect((await recorder.upsertPrompt("other", prompt)).id).not.toBe(created.id);
    expect(store.db.prepare(`SELECT version FROM prompts WHERE id = ?`).get(created.id)).toEqual({ version: 2 });
  });

  it("answers unknown experiment ids with undefined", () => {
    expect(store.getExperiment("nope", { limit: 1, offset: 0 })).toBeUndefined();
  });
});
