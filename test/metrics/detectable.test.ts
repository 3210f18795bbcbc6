// The smallest difference a paired comparison could detect, and the verdict of one.
import { describe, expect, it } from "vitest";
import { minimumDetectableDifference, normalQuantile } from "../../src/metrics/detectable.js";
import { verdictOf } from "../../src/metrics/paired.js";

const tasks = (n: number, successes: number, trials: number) =>
  Array.from({ length: n }, () => ({ successesA: successes, trialsA: trials, successesB: successes, trialsB: trials }));

describe("minimum detectable difference", () => {
  it("is (z₀.₉₇₅ + z₀.₈) · √(Σ p(1 − p)(1/a + 1/b)) / N", () => {
    // 100 tasks at one half with 4 trials each side: p = (4 + ½)/(8 + 1) = ½.
    const expected = ((1.959964 + 0.841621) * Math.sqrt(100 * 0.25 * 0.5)) / 100;
    expect(minimumDetectableDifference(tasks(100, 2, 4))).toBeCloseTo(expected, 5);
  });

  it("shrinks with more tasks and more trials, and is smallest where tasks always or never pass", () => {
    const base = minimumDetectableDifference(tasks(50, 2, 4))!;
    expect(minimumDetectableDifference(tasks(200, 2, 4))).toBeCloseTo(base / 2, 10);
    expect(minimumDetectableDifference(tasks(50, 10, 20))!).toBeLessThan(base);
    const settled = minimumDetectableDifference(tasks(50, 4, 4))!;
    expect(settled).toBeGreaterThan(0);
    expect(settled).toBeLessThan(base);
  });

  it("is null without a task that has trials in both runs", () => {
    expect(minimumDetectableDifference([])).toBeNull();
    expect(minimumDetectableDifference([{ successesA: 0, trialsA: 0, successesB: 1, trialsB: 2 }])).toBeNull();
  });

  it("uses the normal quantile", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe("verdict", () => {
  it("is better or worse only when the interval leaves out 0", () => {
    expect(verdictOf({ difference: 0.1, significant: true })).toBe("better");
    expect(verdictOf({ difference: -0.1, significant: true })).toBe("worse");
    expect(verdictOf({ difference: 0.3, significant: false })).toBe("could be noise");
  });
});
