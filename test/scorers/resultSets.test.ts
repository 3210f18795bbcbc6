// The unit tests that pin execution accuracy: the check values of docs/sql-scoring.md §1.7.
import { describe, expect, it } from "vitest";
import { compareResultSets, type CompareOptions } from "../../src/evals/sema4-demo/scorers/resultSets.js";
import { hasTopLevelOrderBy } from "../../src/evals/sema4-demo/scorers/sqlText.js";

const unordered: CompareOptions = { ordered: false };
const ordered: CompareOptions = { ordered: true };
const same = (g: unknown[][], p: unknown[][], o: CompareOptions = unordered) => compareResultSets(g, p, o).match;

describe("compareResultSets: the reference's check values", () => {
  it("row order matters only when the gold query orders its rows", () => {
    expect(same([[1, "a"], [2, "b"]], [[2, "b"], [1, "a"]])).toBe(true);
    expect(same([[1, "a"], [2, "b"]], [[2, "b"], [1, "a"]], ordered)).toBe(false);
    expect(same([[1, "a"], [2, "b"]], [[1, "a"], [2, "b"]], ordered)).toBe(true);
  });

  it("accepts a permutation of whole columns, never columns sorted one by one", () => {
    expect(compareResultSets([["a", 1]], [[1, "a"]], unordered)).toEqual({ match: true, reason: "equal", columnMapping: [1, 0] });
    expect(same([["alice", 100], ["bob", 250]], [["alice", 250], ["bob", 100]])).toBe(false);
    expect(same([[1, "x"], [2, "y"]], [["y", 2], ["x", 1]], ordered)).toBe(false);
    expect(same([[1, "x"], [2, "y"]], [["x", 1], ["y", 2]], ordered)).toBe(true);
  });

  it("counts duplicates (multiset) unless set semantics are asked for", () => {
    const g = [["apple"], ["pear"]];
    const p = [["apple"], ["apple"], ["pear"]];
    expect(compareResultSets(g, p, unordered)).toEqual({ match: false, reason: "row_count" });
    expect(same(g, p, { ordered: false, rowSemantics: "set" })).toBe(true);
    expect(same([["a"], ["a"], ["b"]], [["a"], ["b"], ["b"]])).toBe(false);
  });

  it("compares reals within a tolerance, integers and reals as one kind", () => {
    expect(same([[1]], [[1.0]])).toBe(true);
    expect(same([[0.1 + 0.2]], [[0.3]])).toBe(true);
    expect(same([[0.1 + 0.2]], [[0.3]], { ordered: false, floats: "exact" })).toBe(false);
    expect(same([[0.3]], [[0.31]])).toBe(false);
    expect(same([[0.123]], [[0.127]], { ordered: false, floats: { absTol: 1e-2, relTol: 0 } })).toBe(true);
    expect(same([[123456789.123]], [[123456789.1234]])).toBe(true);
  });

  it("pairs reals that straddle a hashing grid line, and does not pair reals just outside the tolerance", () => {
    // 1e-6 relative of ~0.3 is 3e-7: these two are 2e-8 apart but round to different grid cells of 1e-7.
    expect(same([[0.30000004, "x"], [5, "y"]], [[5, "y"], [0.30000006, "x"]])).toBe(true);
    expect(same([[0.3, "x"]], [[0.3000004, "x"]])).toBe(false);
    expect(same([[3]], [[3.0000000001]])).toBe(true);
    // The same, with the columns in another order (the pair is found among the column candidates).
    expect(compareResultSets([[0.30000004, "x"], [5, "y"]], [["y", 5], ["x", 0.30000006]], unordered)).toMatchObject({ match: true, columnMapping: [1, 0] });
    expect(same([[0.3, "x"], [5, "y"]], [["y", 5], ["x", 0.3000004]])).toBe(false);
  });

  it("treats NULL as equal to NULL only", () => {
    expect(same([[null]], [[null]])).toBe(true);
    expect(same([[null]], [[""]])).toBe(false);
    expect(same([[null]], [[0]])).toBe(false);
  });

  it("never equates text and numbers", () => {
    expect(same([["1"]], [[1]])).toBe(false);
    expect(same([["0.3"]], [[0.3]])).toBe(false);
  });

  it("matches two empty results whatever their columns, and nothing else to an empty one", () => {
    expect(compareResultSets([], [], unordered)).toMatchObject({ match: true, reason: "both_empty" });
    expect(same([], [[null]])).toBe(false);
    expect(same([[null]], [])).toBe(false);
  });

  it("needs the same column count, unless every gold column may map into a wider prediction", () => {
    const g = [[1, "a"], [2, "b"]];
    const p = [[10, 1, "a"], [20, 2, "b"]];
    expect(compareResultSets(g, p, unordered)).toEqual({ match: false, reason: "column_count" });
    expect(compareResultSets(g, p, { ordered: false, goldColumnsSubset: true })).toEqual({
      match: true,
      reason: "equal",
      columnMapping: [1, 2],
    });
    expect(same(p, g, { ordered: false, goldColumnsSubset: true })).toBe(false);
  });

  it("does not collapse columns that repeat another (max vs avg beside a repeated count)", () => {
    // name, max(id), count(id) vs name, avg(id), count(id) on data where max != avg.
    const gold = [["a", 3, 2], ["b", 5, 2]];
    const pred = [["a", 2, 2], ["b", 4.5, 2]];
    expect(same(gold, pred)).toBe(false);
    expect(same(gold, [["b", 5, 2], ["a", 3, 2]])).toBe(true);
  });

  it("reads blobs as UTF-8 text and safe bigints as numbers", () => {
    expect(same([["hé"]], [[new TextEncoder().encode("hé")]])).toBe(true);
    expect(same([[12n]], [[12]])).toBe(true);
  });

  it("finds a mapping among interchangeable columns", () => {
    const gold = [[1, 1, "a"], [2, 2, "b"], [3, 4, "c"]];
    const pred = [["a", 1, 1], ["b", 2, 2], ["c", 4, 3]];
    expect(compareResultSets(gold, pred, unordered)).toEqual({ match: true, reason: "equal", columnMapping: [2, 1, 0] });
  });

  it("says why two results differ", () => {
    expect(compareResultSets([[1]], [[1], [2]], unordered)).toMatchObject({ reason: "row_count" });
    expect(compareResultSets([[1, "a"]], [[2, "a"]], unordered)).toMatchObject({ reason: "no_column_mapping" });
    expect(compareResultSets([[1, "a"], [2, "b"]], [[1, "b"], [2, "a"]], unordered)).toMatchObject({ reason: "values" });
  });
});

describe("SQL text", () => {
  it("finds a top-level ORDER BY, not one in a subquery, CTE, window, literal or comment", () => {
    expect(hasTopLevelOrderBy("SELECT a FROM t ORDER BY a")).toBe(true);
    expect(hasTopLevelOrderBy("select a from t order\n  by a desc limit 5")).toBe(true);
    expect(hasTopLevelOrderBy("SELECT a FROM t UNION SELECT b FROM u ORDER BY 1")).toBe(true);
    expect(hasTopLevelOrderBy("SELECT * FROM (SELECT x FROM t ORDER BY x) sub")).toBe(false);
    expect(hasTopLevelOrderBy("WITH c AS (SELECT x FROM t ORDER BY x) SELECT * FROM c")).toBe(false);
    expect(hasTopLevelOrderBy("SELECT rank() OVER (ORDER BY x) FROM t")).toBe(false);
    expect(hasTopLevelOrderBy("SELECT 'order by' FROM t -- order by x")).toBe(false);
    expect(hasTopLevelOrderBy('SELECT "order" FROM t /* ORDER BY */')).toBe(false);
    expect(hasTopLevelOrderBy("SELECT order_by FROM t")).toBe(false);
  });
});

describe("compareResultSets at scale", () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => [i % 7 === 0 ? null : i, `c${i % 101}`, (i * 7.31) % 1000 + 0.125]);

  it("matches a large result given in another row order and column order", () => {
    const gold = rows(20_000);
    const pred = gold.map(([a, b, c]) => [c, a, b]).reverse();
    expect(compareResultSets(gold, pred, unordered)).toEqual({ match: true, reason: "equal", columnMapping: [1, 2, 0] });
  });

  it("tells apart results that differ in one cell, or only in how cells combine into rows", () => {
    const gold = rows(20_000);
    const oneOff = gold.map((r) => [...r]);
    oneOff[12_345]![2] = (oneOff[12_345]![2] as number) + 0.5;
    expect(same(gold, oneOff)).toBe(false);
    const scrambled = gold.map((r, i) => [r[0], gold[(i + 1) % gold.length]![1], r[2]]);
    expect(same(gold, scrambled)).toBe(false);
  });

  it("counts duplicates among many identical rows", () => {
    const many = Array.from({ length: 5_000 }, () => [1, "a"]);
    expect(same(many, many.map((r) => [...r]))).toBe(true);
    expect(same(many, [...many.slice(1), [1, "b"]])).toBe(false);
    expect(same([...many, [2, "a"]], [...many, [1, "a"]])).toBe(false);
  });
});
