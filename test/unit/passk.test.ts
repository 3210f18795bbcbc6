import { describe, expect, it } from "vitest";
import { isSuccess, passAtK, passHatK } from "../../src/metrics/passk.js";

describe("pass@k and pass^k", () => {
  // The check values of docs/sql-scoring.md §3.3.
  it.each([
    [10, 3, 5, 0.916667, undefined],
    [10, 3, 2, 0.533333, 0.066667],
    [4, 2, 2, 0.833333, 0.166667],
    [4, 3, 2, 1.0, 0.5],
    [8, 5, 4, 1.0, 0.071429],
  ])("n=%i c=%i k=%i matches the reference check values", (n, c, k, at, hat) => {
    expect(passAtK(n, c, k)).toBeCloseTo(at, 6);
    if (hat !== undefined) expect(passHatK(n, c, k)).toBeCloseTo(hat, 6);
  });

  it("pass@1 = pass^1 = c/n, and the extremes are 0 and 1", () => {
    expect(passAtK(7, 3, 1)).toBeCloseTo(3 / 7, 12);
    expect(passHatK(7, 3, 1)).toBeCloseTo(3 / 7, 12);
    expect(passAtK(5, 0, 3)).toBe(0);
    expect(passHatK(5, 5, 5)).toBe(1);
  });

  it("stays finite where binomials would overflow", () => {
    const v = passHatK(2000, 1500, 900);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThanOrEqual(0);
    expect(passAtK(2000, 1, 1000)).toBeCloseTo(0.5, 12);
  });

  it("refuses k > n and c > n", () => {
    expect(() => passAtK(3, 1, 4)).toThrow(RangeError);
    expect(() => passHatK(3, 4, 1)).toThrow(RangeError);
  });

  it("uses tau2's success predicate", () => {
    expect(isSuccess(1 - 5e-7)).toBe(true);
    expect(isSuccess(0.99)).toBe(false);
  });
});
