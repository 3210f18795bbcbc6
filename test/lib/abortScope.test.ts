import { describe, expect, it } from "vitest";
import { abortScope } from "../../src/lib/abortScope.js";

describe("abortScope", () => {
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
