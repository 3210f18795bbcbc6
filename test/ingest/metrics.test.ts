import { describe, expect, it } from "vitest";
import { runIntervals, seededRandom } from "../../src/metrics/bootstrap.js";
import { pairedComparison } from "../../src/metrics/paired.js";
import { tau2Metrics, type TrialOutcome } from "../../src/metrics/tau2.js";

/** Outcomes from a {task: [rewards…]} table. */
function outcomes(table: Record<string, (number | null)[]>, termination?: Record<string, string[]>): TrialOutcome[] {
  return Object.entries(table).flatMap(([taskId, rewards]) =>
    rewards.map((reward, trial) => ({ taskId, reward, trial, termination: termination?.[taskId]?.[trial] ?? "user_stop" })),
  );
}

describe("tau2 metrics", () => {
  // The worked example of docs/tau2-results.md §4.8.
  it("reproduces the worked example of the format reference (grok-3, 4 tasks x 4 trials)", () => {
    const m = tau2Metrics(
      outcomes({ "8": [1, 1, 1, 1], "11": [1, 0, 0, 0], "24": [0, 1, 0, 0], "32": [0, 0, 0, 1] }),
      { rule: "tau2", numTrials: 4 },
    );
    expect(m.avgReward).toBeCloseTo(0.4375, 12);
    expect(m.passHatK).toEqual({ "1": 0.4375, "2": 0.25, "3": 0.25, "4": 0.25 });
    expect(m.maxK).toBe(4);
  });

  it("drops infrastructure errors, uses each task's own n, and caps k at the fewest trials", () => {
    const m = tau2Metrics(
      outcomes(
        { a: [1, 1, 0], b: [1, 0], c: [0, 1] },
        { c: ["infrastructure_error", "user_stop"] },
      ),
      { rule: "tau2", numTrials: 3 },
    );
    expect(m.infrastructureErrors).toBe(1);
    expect(m.simulations).toBe(7);
    // c has one simulation left, so max_k = 1; avg reward is over the 6 simulations that count.
    expect(m.maxK).toBe(1);
    expect(m.avgReward).toBeCloseTo(4 / 6, 12);
    expect(m.passHatK["1"]).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 12);
  });

  it("counts a success within 1e-6 of 1, a null reward as a failure left out of avg_reward", () => {
    const m = tau2Metrics(outcomes({ a: [1 - 5e-7, null], b: [0.5, 1] }), { rule: "tau2", numTrials: 2 });
    expect(m.avgReward).toBeCloseTo((1 - 5e-7 + 0.5 + 1) / 3, 12);
    expect(m.passHatK["1"]).toBeCloseTo((0.5 + 0.5) / 2, 12);
    expect(m.passHatK["2"]).toBe(0);
  });

  it("follows tau-bench v1: one global n from the distinct trial values, no exclusion", () => {
    const rows = outcomes({ a: [1, 1, 1, 0], b: [1, 0] }, { b: ["infrastructure_error", "x"] });
    const m = tau2Metrics(rows, { rule: "tau-bench-v1", numTrials: null });
    expect(m.maxK).toBe(4);
    // b: 1 success out of a global n of 4, although only 2 trials exist.
    expect(m.passHatK["1"]).toBeCloseTo((3 / 4 + 1 / 4) / 2, 12);
    expect(m.passHatK["2"]).toBeCloseTo((3 / 6 + 0) / 2, 12);
    expect(m.infrastructureErrors).toBe(0);
  });

  it("gives null avg_reward and no pass^k for an empty run", () => {
    const m = tau2Metrics([], { rule: "tau2", numTrials: 4 });
    expect(m).toMatchObject({ avgReward: null, passHatK: {}, maxK: 0, tasks: 0 });
  });
});

describe("bootstrap intervals", () => {
  const m = tau2Metrics(
    outcomes(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [String(i), [i % 3 ? 1 : 0, i % 4 ? 1 : 0]]))),
    { rule: "tau2", numTrials: 2 },
  );

  it("is reproducible for a seed and brackets the point estimate", () => {
    const a = runIntervals(m.perTask, m.maxK, { seed: 7 });
    const b = runIntervals(m.perTask, m.maxK, { seed: 7 });
    expect(a).toEqual(b);
    expect(a.avgReward![0]).toBeLessThan(m.avgReward!);
    expect(a.avgReward![1]).toBeGreaterThan(m.avgReward!);
    for (const k of ["1", "2"]) {
      expect(a.passHatK[k][0]).toBeLessThanOrEqual(m.passHatK[k]);
      expect(a.passHatK[k][1]).toBeGreaterThanOrEqual(m.passHatK[k]);
    }
  });

  it("has zero width when every task has the same value", () => {
    const same = tau2Metrics(outcomes({ a: [1, 1], b: [1, 1], c: [1, 1] }), { rule: "tau2", numTrials: 2 });
    expect(runIntervals(same.perTask, same.maxK).passHatK["2"]).toEqual([1, 1]);
  });

  it("draws uniform numbers", () => {
    const random = seededRandom(1);
    const draws = Array.from({ length: 20000 }, random);
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(seededRandom(2)()).not.toBe(seededRandom(1)());
  });
});

describe("paired comparison", () => {
  const tasks = Array.from({ length: 30 }, (_, i) => String(i));
  const a = tau2Metrics(outcomes(Object.fromEntries(tasks.map((t, i) => [t, [i % 2, i % 2]]))), {
    rule: "tau2",
    numTrials: 2,
  });

  it("finds a consistent improvement significant and lists the tasks that flipped", () => {
    // B passes every task A passes, and five more.
    const b = tau2Metrics(
      outcomes(Object.fromEntries(tasks.map((t, i) => [t, i % 2 || i < 10 ? [1, 1] : [0, 0]]))),
      { rule: "tau2", numTrials: 2 },
    );
    const c = pairedComparison(a, b, { seed: 3 });
    expect(c.sharedTasks).toBe(30);
    expect(c.statistics.avg_reward.difference).toBeCloseTo(5 / 30, 12);
    expect(c.statistics["pass^2"].significant).toBe(true);
    expect(c.statistics["pass^2"].interval![0]).toBeGreaterThan(0);
    expect(c.improved.map((t) => t.taskId)).toEqual(["0", "2", "4", "6", "8"]);
    expect(c.regressed).toEqual([]);
  });

  it("is not significant when the runs are the same, and compares only shared tasks", () => {
    const b = tau2Metrics(outcomes(Object.fromEntries(tasks.slice(0, 20).map((t, i) => [t, [i % 2, i % 2]]))), {
      rule: "tau2",
      numTrials: 2,
    });
    const c = pairedComparison(a, b);
    expect(c).toMatchObject({ sharedTasks: 20, onlyA: 10, onlyB: 0, improved: [], regressed: [] });
    expect(c.statistics["pass^1"]).toMatchObject({ difference: 0, interval: [0, 0], significant: false });
  });
});
