import { describe, expect, it } from "vitest";
import { abortScope } from "../../src/lib/abortScope.js";

describe("abortScope", () => {
  it("is the parent of as many scopes as run at once without Node's listener-leak warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const evalScope = abortScope([new AbortController().signal]);
      // One child per case running at once (EVAL_DEFAULT_CONCURRENCY is 64); each lets go when disposed.
      const cases = Array.from({ length: 64 }, () => abortScope([evalScope.signal]));
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
      for (const c of cases) c.dispose();
      evalScope.dispose();
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("aborts with a parent's reason, or with its own at the deadline", async () => {
    const parent = new AbortController();
    const scope = abortScope([parent.signal]);
    parent.abort(new Error("gone"));
    expect((scope.signal.reason as Error).message).toBe("gone");

    const timed = abortScope([new AbortController().signal], { ms: 20, reason: () => new Error("late") });
    await new Promise((r) => setTimeout(r, 50));
    expect((timed.signal.reason as Error).message).toBe("late");
  });

  it("lets go of its parents and its timer when disposed", async () => {
    const parent = new AbortController();
    const scope = abortScope([parent.signal], { ms: 20, reason: () => new Error("late") });
    scope.dispose();
    parent.abort(new Error("after"));
    await new Promise((r) => setTimeout(r, 50));
    expect(scope.signal.aborted).toBe(false);
  });

  it("starts aborted under an aborted parent", () => {
    const parent = new AbortController();
    parent.abort(new Error("already"));
    expect(abortScope([parent.signal], { ms: 10, reason: () => new Error("x") }).signal.reason).toBe(parent.signal.reason);
  });
});
