// The viewer's pure derivations: a trial's outcome, a task's tally and class, the bounded previews, the tree order
// of a trace, a task's change between runs and the order of the comparison's rows, an agent run's outcome.
import { describe, expect, it } from "vitest";
import { commonest, taskClass, tally, trialOutcome } from "../../src/viewer/outcome.js";
import { boundValue, previewStored } from "../../src/viewer/readModel/preview.js";
import { fieldBudget, treeOrder } from "../../src/viewer/readModel/traces.js";
import { byChange, changeStatus } from "../../src/viewer/readModel/compare.js";
import { runOutcome } from "../../src/viewer/readModel/logs.js";
import type { CompareRow } from "../../src/viewer/schemas.js";

describe("trial outcomes", () => {
  it("reads a reward as tau2 does, and says when a trial errored or was left out", () => {
    expect(trialOutcome({ reward: 1 })).toBe("passed");
    expect(trialOutcome({ reward: 1 - 5e-7 })).toBe("passed");
    expect(trialOutcome({ reward: 0 })).toBe("failed");
    expect(trialOutcome({ reward: 0.5 })).toBe("partial");
    expect(trialOutcome({ reward: null })).toBe("errored");
    expect(trialOutcome({ reward: 0, errored: true })).toBe("errored");
    // A partial reward of a trial that errored is still what it earned.
    expect(trialOutcome({ reward: 0.5, errored: true })).toBe("partial");
    expect(trialOutcome({ reward: 1, excluded: true })).toBe("excluded");
    expect(trialOutcome({ reward: Number.NaN })).toBe("errored");
  });

  it("tallies a task's trials that count, and classes the task", () => {
    expect(tally(["passed", "failed", "excluded", "passed"])).toEqual({ passed: 2, counted: 3, successRate: 2 / 3 });
    expect(tally(["excluded"])).toEqual({ passed: 0, counted: 0, successRate: null });
    expect(taskClass({ passed: 0, counted: 3 })).toBe("failing");
    expect(taskClass({ passed: 1, counted: 3 })).toBe("flaky");
    expect(taskClass({ passed: 3, counted: 3 })).toBe("passing");
    expect(taskClass({ passed: 0, counted: 0 })).toBeNull();
    expect(commonest(["a", "b", "b", null, "a"])).toBe("a");
    expect(commonest([null])).toBeNull();
  });
});

describe("bounded previews", () => {
  it("keeps a value that fits, and cuts one that does not to fit", () => {
    expect(boundValue({ a: 1 }, 100)).toEqual({ value: { a: 1 }, truncated: false });
    const long = { text: "x".repeat(10_000), list: Array.from({ length: 500 }, (_, i) => i) };
    const cut = boundValue(long, 1000);
    expect(cut.truncated).toBe(true);
    expect(JSON.stringify(cut.value).length).toBeLessThanOrEqual(1000);
    const value = cut.value as { text: string; list: unknown[] };
    expect(value.text.endsWith("…")).toBe(true);
    expect(value.list.at(-1)).toMatch(/^… \+\d+ more$/);
    const wide = boundValue(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i])), 500);
    expect((wide.value as Record<string, unknown>)["…"]).toMatch(/^\+\d+ more$/);
  });

  it("shows a stored text too long to parse as its beginning", () => {
    expect(previewStored('"abc"', 100)).toEqual({ value: "abc", truncated: false });
    expect(previewStored('{"a": "xxxxxxxx', 5, true)).toEqual({ value: '{"a":…', truncated: true });
    expect(previewStored(null, 5)).toEqual({ value: null, truncated: false });
  });

  it("gives each field of a large trace a smaller share, within bounds", () => {
    expect(fieldBudget(10)).toBe(16 * 1024);
    expect(fieldBudget(1000)).toBeLessThan(fieldBudget(100));
    expect(fieldBudget(1000) * 5 * 1000 + 400 * 1000).toBeLessThanOrEqual(1_200_000);
    expect(fieldBudget(100_000)).toBe(48);
  });
});

describe("trace order", () => {
  const span = (span_id: string, parent_span_id: string | null) => ({ span_id, parent_span_id });
  it("puts each parent before its children, siblings in start order, orphans after the tree", () => {
    // In start order: a child may start before its parent (clocks), an orphan's parent may be missing.
    const skeleton = [span("c2", "b"), span("root", null), span("b", "root"), span("orphan", "gone"), span("a", "root"), span("c1", "b")];
    expect(treeOrder(skeleton, "root")).toEqual(["root", "b", "c2", "c1", "a", "orphan"]);
    expect(treeOrder(skeleton, "b")).toEqual(["b", "c2", "c1"]);
    expect(treeOrder(skeleton, "nope")).toEqual([]);
  });
});

describe("comparison rows", () => {
  it("calls a task improved or regressed when its success rate crosses one half", () => {
    expect(changeStatus(0.5, 0.75)).toBe("improved");
    expect(changeStatus(0.75, 0.5)).toBe("regressed");
    expect(changeStatus(0.6, 1)).toBe("changed");
    expect(changeStatus(1, 1)).toBe("same");
    expect(changeStatus(null, 1)).toBe("improved");
    expect(changeStatus(undefined, 1)).toBe("only_candidate");
    expect(changeStatus(0, undefined)).toBe("only_baseline");
  });

  it("orders regressions first (largest first), then improvements (largest first), then the rest", () => {
    const row = (taskId: string, change: number | null): CompareRow => ({ taskId, change, description: null, baselineRate: null, candidateRate: null, status: "same" });
    const rows = [row("z", 0), row("up", 0.2), row("only", null), row("down", -0.1), row("upup", 0.9), row("downdown", -0.8), row("a", 0)];
    expect(rows.sort(byChange).map((r) => r.taskId)).toEqual(["downdown", "down", "upup", "up", "a", "z", "only"]);
  });
});

describe("agent run outcomes", () => {
  it("uses the score, else whether the run answered, gave up or errored", () => {
    expect(runOutcome({ score: 1, answer: "x", hasOutput: true, error: null })).toBe("passed");
    expect(runOutcome({ score: 0, answer: "x", hasOutput: true, error: null })).toBe("failed");
    expect(runOutcome({ score: null, answer: "x", hasOutput: true, error: null })).toBe("answered");
    expect(runOutcome({ score: null, answer: null, hasOutput: true, error: "no usable query after 4 attempts" })).toBe("no_answer");
    expect(runOutcome({ score: null, answer: null, hasOutput: false, error: "the model endpoint failed" })).toBe("errored");
  });
});
