// The fair scheduler's order of grants: jobs are held open by the test and released one by one, so each
// assertion is about which job got a slot next, never about how long anything took.
import { describe, expect, it } from "vitest";
import { FairScheduler } from "../../src/lib/fairScheduler.js";

/** Jobs that start when the scheduler grants them and end when the test says so. */
function harness(slots: number) {
  const scheduler = new FairScheduler(slots);
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const submit = (key: string, name: string, signal?: AbortSignal) =>
    scheduler.run(
      key,
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
    await expect(scheduler.run("a", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(scheduler.run("a", async () => "next")).resolves.toBe("next");
    expect(scheduler.running).toBe(0);
  });

  it("refuses a pool without slots", () => {
    expect(() => new FairScheduler(0)).toThrow(/at least 1/);
  });
});
