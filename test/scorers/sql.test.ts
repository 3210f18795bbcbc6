// Execution match and the three evaluator scores, with queries run by the real read-only query runner on real
// SQLite files built here.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqlScorers, sqlExecutionMatch, type MatchOptions } from "../../src/evals/sema4-demo/scorers/sql.js";
import { createQueryRunner, type QueryRunner } from "../../src/sandbox/sql/queryRunner.js";

let dir: string;
let db: string;
let other: string;
let runner: QueryRunner;

function fixture(file: string, extra = ""): string {
  const d = new Database(file);
  d.exec(`
    CREATE TABLE t (id INTEGER, name TEXT, score REAL);
    INSERT INTO t VALUES (1, 'a', 0.5), (2, 'b', 1.5), (3, 'a', 2.5), (4, 'c', NULL);
    CREATE TABLE empty (x INTEGER);
    ${extra}`);
  d.close();
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sema4-scorers-"));
  db = fixture(path.join(dir, "one.db"));
  // The same schema where `name = 'a'` and `id <= 3` no longer agree: a test suite tells the two apart.
  other = fixture(path.join(dir, "two.db"), "INSERT INTO t VALUES (5, 'a', 9.0);");
  runner = createQueryRunner({ timeoutMs: 10_000, maxRows: 1_000 });
});
afterAll(async () => {
  await runner.close();
  rmSync(dir, { recursive: true, force: true });
});

const opts = (extra: Partial<MatchOptions> = {}): MatchOptions => ({ dbPaths: [db], runQuery: runner.run, ...extra });
const match = (gold: string, pred: string, extra: Partial<MatchOptions> = {}) => sqlExecutionMatch(gold, pred, opts(extra));

describe("sqlExecutionMatch", () => {
  it("compares unordered unless the gold query orders at the top level", async () => {
    expect(await match("SELECT id, name FROM t", "SELECT name, id FROM t ORDER BY id DESC")).toMatchObject({ score: 1, reason: "equal", columnMapping: [1, 0] });
    expect(await match("SELECT id FROM t ORDER BY id", "SELECT id FROM t ORDER BY id DESC")).toMatchObject({ score: 0, reason: "values" });
    expect(await match("SELECT id FROM (SELECT id FROM t ORDER BY id) s", "SELECT id FROM t ORDER BY id DESC")).toMatchObject({ score: 1 });
  });

  it("gives 0 with not_read_only for a writing prediction, and leaves the database as it was", async () => {
    expect(await match("SELECT 1", "DELETE FROM t")).toMatchObject({ score: 0, reason: "not_read_only" });
    expect(await match("SELECT 1", "WITH x AS (SELECT 1) DELETE FROM t")).toMatchObject({ score: 0, reason: "not_read_only" });
    const d = new Database(db, { readonly: true });
    expect(d.prepare("SELECT COUNT(*) AS n FROM t").get()).toEqual({ n: 4 });
    d.close();
  });

  it("treats a failing gold query as an invalid item (null), a failing prediction as 0", async () => {
    expect(await match("SELECT nope FROM t", "SELECT 1")).toMatchObject({ score: null, reason: "gold_error", detail: expect.stringContaining("no such column") });
    expect(await match("SELECT 1", "SELECT nope FROM t")).toMatchObject({ score: 0, reason: "pred_error" });
    expect(await match("SELECT 1", "SELECT 1; SELECT 2")).toMatchObject({ score: 0, reason: "pred_error" });
    expect(await match("SELECT 1", "")).toMatchObject({ score: 0, reason: "no_sql" });
  });

  it("stops a runaway prediction at its deadline (timeout = 0)", async () => {
    const forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT MAX(x) FROM c";
    expect(await match("SELECT 1", forever, { timeoutMs: 300 })).toMatchObject({ score: 0, reason: "timeout" });
  });

  it("gives 0 to a prediction over the row cap", async () => {
    const many = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50) SELECT x FROM c";
    expect(await match("SELECT 1", many, { maxRows: 10 })).toMatchObject({ score: 0, reason: "too_many_rows" });
  });

  it("does not equate MAX over an empty table (one NULL row) with no rows", async () => {
    expect(await match("SELECT x FROM empty", "SELECT MAX(x) FROM empty")).toMatchObject({ score: 0, reason: "row_count" });
    expect(await match("SELECT x FROM empty", "SELECT id FROM t WHERE id > 99")).toMatchObject({ score: 1, reason: "both_empty" });
  });

  it("tells max from avg beside a repeated count", async () => {
    const gold = "SELECT name, MAX(id), COUNT(id) FROM t GROUP BY name";
    expect(await match(gold, "SELECT name, AVG(id), COUNT(id) FROM t GROUP BY name")).toMatchObject({ score: 0 });
    expect(await match(gold, "SELECT COUNT(id), name, MAX(id) FROM t GROUP BY name")).toMatchObject({ score: 1 });
  });

  it("requires a match on every database of a test suite", async () => {
    const gold = "SELECT id FROM t WHERE name = 'a'";
    const pred = "SELECT id FROM t WHERE id IN (1, 3)";
    expect(await match(gold, pred)).toMatchObject({ score: 1 });
    expect(await match(gold, pred, { dbPaths: [db, other] })).toMatchObject({ score: 0, reason: "row_count", dbFailures: [other] });
  });
});

describe("the sema4-demo scores", () => {
  const gold = "SELECT name, SUM(score) FROM t GROUP BY name";
  const right = "SELECT name, TOTAL(score) FROM t WHERE score IS NOT NULL GROUP BY name UNION SELECT 'c', NULL";
  const wrong = "SELECT name, COUNT(*) FROM t GROUP BY name";
  const trials = (n: number, c: number) => Array.from({ length: n }, (_, i) => ({ sql: i < c ? right : wrong }));

  // The check values of docs/sql-scoring.md §3.3.
  it.each([
    [10, 3, 5, 0.916667, 0],
    [10, 3, 2, 0.533333, 0.066667],
    [4, 2, 2, 0.833333, 0.166667],
    [4, 3, 2, 1.0, 0.5],
    [8, 5, 4, 1.0, 0.071429],
  ])("n=%i c=%i k=%i: pass@k and pass^k are the reference's values", async (n, c, k, at, hat) => {
    const s = createSqlScorers({ dbPath: db, runQuery: runner.run });
    const args = { output: { trials: trials(n, c), k }, expected: { gold_sql: gold } };
    expect((await s.sql_correctness(args)).score).toBeCloseTo(c / n, 12);
    expect((await s.pass_at_k(args)).score).toBeCloseTo(at, 6);
    expect((await s.pass_exp_k(args)).score).toBeCloseTo(hat, 6);
  });

  it("with k = 1 pass@k is the mean over trials, and with k = trials pass^k is 'all trials pass'", async () => {
    const s = createSqlScorers({ dbPath: db, runQuery: runner.run });
    const mixed = { output: { trials: trials(3, 2), k: 1 }, expected: { gold_sql: gold } };
    expect((await s.pass_at_k(mixed)).score).toBeCloseTo(2 / 3, 12);
    expect((await s.pass_exp_k({ ...mixed, output: { ...mixed.output, k: 3 } })).score).toBe(0);
    expect((await s.pass_exp_k({ output: { trials: trials(3, 3), k: 3 }, expected: gold })).score).toBe(1);
  });

  it("runs each prediction once however many scores read it, and the gold query once per case", async () => {
    const seen: string[] = [];
    const counting: MatchOptions["runQuery"] = (file, sql, o) => {
      seen.push(sql);
      return runner.run(file, sql, o);
    };
    const s = createSqlScorers({ dbPath: db, runQuery: counting });
    const args = { output: { trials: trials(4, 1), k: 2 }, expected: { gold_sql: gold } };
    await Promise.all([s.sql_correctness(args), s.pass_at_k(args), s.pass_exp_k(args)]);
    expect(seen.filter((q) => q === gold)).toHaveLength(1);
    expect(seen.filter((q) => q === right)).toHaveLength(1);
    expect(seen.filter((q) => q === wrong)).toHaveLength(3);
  });

  it("scores nothing (null) when the gold query fails, when k exceeds the trials, or when there is no gold", async () => {
    const s = createSqlScorers({ dbPath: db, runQuery: runner.run });
    const badGold = { output: { trials: trials(2, 1), k: 1 }, expected: { gold_sql: "SELECT * FROM missing" } };
    for (const scorer of [s.sql_correctness, s.pass_at_k, s.pass_exp_k]) {
      expect(await scorer(badGold)).toMatchObject({ score: null, metadata: { invalid: "gold_error" } });
    }
    const bigK = { output: { trials: trials(2, 1), k: 3 }, expected: { gold_sql: gold } };
    expect(await s.pass_at_k(bigK)).toMatchObject({ score: null, metadata: { invalid: "k_exceeds_trials", k: 3, n: 2 } });
    expect((await s.sql_correctness(bigK)).score).toBe(0.5);
    expect(await s.sql_correctness({ output: { trials: trials(1, 1), k: 1 }, expected: undefined })).toMatchObject({ score: null });
  });

  it("counts a trial without SQL as a failure and says why per trial", async () => {
    const s = createSqlScorers({ dbPath: db, runQuery: runner.run });
    const r = await s.sql_correctness({ output: { trials: [{ sql: right }, { sql: null, error: "time_limit" }], k: 1 }, expected: { gold_sql: gold } });
    expect(r).toEqual({
      name: "sql_correctness",
      score: 0.5,
      metadata: { trials: [{ score: 1, reason: "equal" }, { score: 0, reason: "no_sql" }] },
    });
  });
});
