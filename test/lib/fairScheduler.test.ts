// The fair scheduler's order of grants: jobs are held open by the test and released one by one, so each
// assertion is about which job got a slot next, never about how long anything took.
import { describe, expect, it } from "vitest";
import { FairScheduler } from "../../src/lib/fairScheduler.js";

/** Jobs that start when the scheduler grants them and end when the test says so. */
function harness(slots: number, perGroup?: number) {
  const scheduler = new FairScheduler(slots, { perGroup });
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  /** `key` is a caller, or `caller/group`. */
  const submit = (key: string, name: string, signal?: AbortSignal) =>
    scheduler.run(
      { caller: key.split("/")[0], group: key.split("/")[1] },
      () =>
        new Promise<string>((resolve) => {
          started.push(name);
          finish.set(name, () => resolve(name));
        }),
      signal,
    );
  /** Ends a running job and lets the scheduler hand its slot on. */
  const end = async (name: string) => {
    finish.get(name)!();
    await new Promise((r) => setImmediate(r));
  };
  return { scheduler, started, submit, end };
}

describe("FairScheduler", () => {
  it("runs at most `slots` jobs at once, and starts the rest as slots free up", async () => {
    const { scheduler, started, submit, end } = harness(2);
    const results = ["a1", "a2", "a3"].map((n) => submit("a", n));
    expect(started).toEqual(["a1", "a2"]);
    expect([scheduler.running, scheduler.waiting]).toEqual([2, 1]);
    await end("a1");
    expect(started).toEqual(["a1", "a2", "a3"]);
    await end("a2");
    await end("a3");
    expect(await Promise.all(results)).toEqual(["a1", "a2", "a3"]);
    expect([scheduler.running, scheduler.waiting]).toEqual([0, 0]);
  });

  it("hands freed slots out in turn across callers: a long queue does not starve a later caller", async () => {
    const { started, submit, end } = harness(1);
    for (const n of ["a1", "a2", "a3", "a4"]) void submit("a", n);
    void submit("b", "b1");
    void submit("b", "b2");
    void submit("c", "c1");
    expect(started).toEqual(["a1"]);
    for (const n of ["a1", "b1", "c1", "a2", "b2", "a3"]) await end(n);
    expect(started).toEqual(["a1", "b1", "c1", "a2", "b2", "a3", "a4"]);
  });

  it("gives a freed slot to the caller with the fewest jobs running", async () => {
    const { started, submit, end } = harness(3);
    for (const n of ["a1", "a2", "a3", "a4", "a5"]) void submit("a", n);
    void submit("b", "b1");
    void submit("b", "b2");
    expect(started).toEqual(["a1", "a2", "a3"]);
    await end("a1"); // a has 2 running, b none: b
    expect(started.at(-1)).toBe("b1");
    await end("a2"); // one each: the one served longer ago, a
    expect(started.at(-1)).toBe("a4");
    await end("b1"); // a has 2 running, b none: b
    expect(started).toEqual(["a1", "a2", "a3", "b1", "a4", "b2"]);
  });

  it("lets a waiting job be cancelled: it never starts, and its turn passes to the next", async () => {
    const { scheduler, started, submit, end } = harness(1);
    void submit("a", "a1");
    const cancel = new AbortController();
    const cancelled = submit("b", "b1", cancel.signal);
    void submit("c", "c1");
    cancel.abort(new Error("client gone"));
    await expect(cancelled).rejects.toThrow("client gone");
    expect(scheduler.waiting).toBe(1);
    await end("a1");
    expect(started).toEqual(["a1", "c1"]);
    // Already aborted: refused at once.
    await expect(submit("d", "d1", cancel.signal)).rejects.toThrow("client gone");
    expect(started).toEqual(["a1", "c1"]);
  });

  it("frees the slot of a job that fails", async () => {
    const scheduler = new FairScheduler(1);
    await expect(scheduler.run({ caller: "a" }, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(scheduler.run({ caller: "a" }, async () => "next")).resolves.toBe("next");
    expect(scheduler.running).toBe(0);
  });

  it("refuses a pool without slots", () => {
    expect(() => new FairScheduler(0)).toThrow(/at least 1/);
    expect(() => new FairScheduler(2, { perGroup: 0 })).toThrow(/at least 1/);
  });

  it("runs at most perGroup jobs of one group at once, while another group takes the free slots at once", async () => {
    const { scheduler, started, submit, end } = harness(4, 2);
    for (const n of ["x1", "x2", "x3"]) void submit("a/x", n);
    expect(started).toEqual(["x1", "x2"]);
    // Two slots are free but group x is at its cap: x3 waits, and y (same caller) starts at once.
    void submit("a/y", "y1");
    expect(started).toEqual(["x1", "x2", "y1"]);
    expect([scheduler.running, scheduler.waiting]).toEqual([3, 1]);
    await end("y1"); // a slot of y: x3 still waits for one of x's
    expect(started).toEqual(["x1", "x2", "y1"]);
    await end("x1");
    expect(started).toEqual(["x1", "x2", "y1", "x3"]);
  });

  it("shares a busy pool first by caller, then by a caller's groups", async () => {
    const { started, submit, end } = harness(4);
    // Caller a has two evals queued, caller b one: b gets as many slots as a's two evals together.
    for (let i = 1; i <= 4; i++) void submit("a/x", `ax${i}`);
    for (let i = 1; i <= 2; i++) void submit("a/y", `ay${i}`);
    for (let i = 1; i <= 4; i++) void submit("b/z", `bz${i}`);
    expect(started).toEqual(["ax1", "ax2", "ax3", "ax4"]);
    for (const n of ["ax1", "ax2", "ax3", "ax4"]) await end(n);
    // b caught up to two running, then a's two slots went to its other eval.
    expect(started.slice(4)).toEqual(["bz1", "bz2", "ay1", "ay2"]);
  });

  it("within one caller, a freed slot goes to the group with the fewest running", async () => {
    const { started, submit, end } = harness(2);
    for (const n of ["x1", "x2", "x3"]) void submit("a/x", n);
    for (const n of ["y1", "y2"]) void submit("a/y", n);
    for (const n of ["x1", "x2", "y1"]) await end(n);
    expect(started).toEqual(["x1", "x2", "y1", "x3", "y2"]);
  });
});
