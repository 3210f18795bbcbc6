// The killable read-only query runner used by the agent's final answer and the sql_correctness scorer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryErrorReason, createQueryRunner, type QueryRunner } from "../../../src/sandbox/sql/queryRunner.js";
import { hashFile, makeGoldDb, tempDir } from "../fixtures.js";

const INFINITE = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)";

describe("the read-only query runner", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let gold: string;
  let runner: QueryRunner;

  beforeAll(async () => {
    dir = await tempDir("sema4-sql-");
    gold = makeGoldDb(dir.path);
    runner = createQueryRunner({ timeoutMs: 10_000, maxRows: 1000, poolSize: 2 });
  });
  afterAll(async () => {
    await runner?.close();
    await dir?.remove();
  });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error("expected the query to fail");
      },
      (e: unknown) => ({ reason: queryErrorReason(e), code: (e as { code?: string }).code, message: (e as Error).message }),
    );

  it("returns column names and typed values, duplicates and all", async () => {
    const result = await runner.run(gold, "SELECT id, name AS n, score, id AS n, x'6869', 9007199254740993 FROM t ORDER BY id");
    expect(result.columns).toEqual(["id", "n", "score", "n", "x'6869'", "9007199254740993"]);
    expect(result.rows[0].slice(0, 4)).toEqual([1, "alice", 1.5, 1]);
    expect(Buffer.from(result.rows[0][4] as Uint8Array).toString()).toBe("hi");
    // Integers past 2^53 stay exact.
    expect(result.rows[0][5]).toBe(9007199254740993n);
    expect(result.rows[2].slice(0, 3)).toEqual([3, "carol", null]);
    expect(result.truncated).toBe(false);
  });

  it("accepts WITH and VALUES, with leading comments", async () => {
    expect((await runner.run(gold, "-- the total\nWITH s AS (SELECT sum(score) v FROM t) SELECT v FROM s")).rows).toEqual([[4]]);
    expect((await runner.run(gold, "/* pair */ VALUES (1, 'a')")).rows).toEqual([[1, "a"]]);
  });

  it("refuses anything but one read-only statement, and the database stays as it was", async () => {
    const before = hashFile(gold);
    for (const sql of [
      "DELETE FROM t",
      "INSERT INTO t VALUES (9, 'mallory', 0)",
      "DROP TABLE t",
      "CREATE TABLE u (x)",
      "UPDATE t SET name = 'x'",
      `ATTACH '${dir.path}/other.db' AS other`,
      "PRAGMA table_info(t)",
      "WITH x AS (SELECT 1) DELETE FROM t",
    ]) {
      expect(await failure(runner.run(gold, sql)), sql).toMatchObject({ reason: "not_read_only", code: "BAD_REQUEST" });
    }
    expect(await failure(runner.run(gold, "SELECT 1; DELETE FROM t"))).toMatchObject({ reason: "sql_error" });
    expect(await failure(runner.run(gold, "SELECT load_extension('/tmp/evil')"))).toMatchObject({ reason: "sql_error" });
    expect(hashFile(gold)).toBe(before);
  });

  it("reports SQL errors and missing databases by kind", async () => {
    expect(await failure(runner.run(gold, "SELECT nope FROM t"))).toMatchObject({ reason: "sql_error", message: expect.stringContaining("nope") });
    expect(await failure(runner.run(`${dir.path}/missing.db`, "SELECT 1"))).toMatchObject({ reason: "open_failed" });
    expect(await failure(runner.run(gold, "  "))).toMatchObject({ reason: "sql_error" });
  });

  it("caps rows, so an endless recursive CTE that streams rows ends", async () => {
    const result = await runner.run(gold, `${INFINITE} SELECT x FROM c`, { maxRows: 5 });
    expect(result.rows).toEqual([[1], [2], [3], [4], [5]]);
    expect(result.truncated).toBe(true);
  });

  it("kills a query that runs past its deadline, then answers the next one", async () => {
    expect(await failure(runner.run(gold, `${INFINITE} SELECT count(*) FROM c`, { timeoutMs: 300 }))).toMatchObject({
      reason: "timeout",
      code: "TIMEOUT",
    });
    expect((await runner.run(gold, "SELECT count(*) FROM t")).rows).toEqual([[3]]);
  });

  it("stops a query when its signal aborts", async () => {
    const controller = new AbortController();
    const running = failure(runner.run(gold, `${INFINITE} SELECT count(*) FROM c`, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    expect(await running).toMatchObject({ reason: "cancelled", code: "CANCELLED" });
    expect((await runner.run(gold, "SELECT 1")).rows).toEqual([[1]]);
  });

  it("serves more queries than it has workers", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => runner.run(gold, `SELECT ${i} + count(*) FROM t`)));
    expect(results.map((r) => r.rows[0][0])).toEqual([3, 4, 5, 6, 7, 8]);
  });
});
