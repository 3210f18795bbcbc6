// The time budget's arithmetic on a clock the test moves: where the cut falls, when a case may still start, what
// the errors say, and what beforeEnd gives once the budget's end has come.
import { afterEach, describe, expect, it } from "vitest";
import { TimeBudget, TimeBudgetError } from "../../../src/evals/runtime/timeBudget.js";

const made: TimeBudget[] = [];
function budget(totalMs: number, options: { spentMs?: number; clock?: { t: number } } = {}) {
  const clock = options.clock ?? { t: 0 };
  const b = new TimeBudget({ totalMs, spentMs: options.spentMs, now: () => clock.t });
  made.push(b);
  return { b, clock };
}
afterEach(() => {
  for (const b of made.splice(0)) b.dispose();
});

describe("TimeBudget", () => {
  it("keeps a tenth of the budget for rows, flush and summary, at least 1 s and at most 10 s", () => {
    expect(budget(140_000).b.reserveMs).toBe(10_000);
    expect(budget(140_000).b.cutAt).toBe(130_000);
    expect(budget(50_000).b.reserveMs).toBe(5_000);
    expect(budget(5_000).b.reserveMs).toBe(1_000);
    expect(budget(500_000).b.reserveMs).toBe(10_000);
  });

  it("names the budget in seconds in both errors", () => {
    const { b } = budget(140_000);
    expect(b.notRunMessage).toBe("not run: this eval's 140 s time budget ran out");
    expect(b.stoppedMessage).toBe("stopped: this eval's 140 s time budget ran out before the case finished");
    expect(budget(2_500).b.notRunMessage).toBe("not run: this eval's 2.5 s time budget ran out");
  });

  it("starts a case only while a typical case so far would end before the cut", () => {
    const { b, clock } = budget(140_000);
    // Nothing finished yet: no estimate, so anything before the cut starts.
    clock.t = 129_000;
    expect(b.canStart()).toBe(true);
    clock.t = 100_000;
    for (const ms of [20_000, 40_000, 25_000]) b.caseFinished(ms);
    // The median is 25 s: a case starting at 105 s ends at 130 s, the cut; one at 106 s would not.
    clock.t = 105_000;
    expect(b.canStart()).toBe(true);
    clock.t = 106_000;
    expect(b.canStart()).toBe(false);
  });

  it("counts what the request spent before the budget was made", () => {
    const { b, clock } = budget(140_000, { spentMs: 30_000 });
    clock.t = 99_000; // 129 s into the request
    expect(b.canStart()).toBe(true);
    clock.t = 100_001;
    expect(b.canStart()).toBe(false);
  });

  it("fires its signal at the cut, with the stopped cases' error, and starts nothing after it", async () => {
    // Already past the cut when made: the signal fires at once.
    const { b } = budget(2_000, { spentMs: 1_500 });
    expect(b.signal.aborted).toBe(true);
    expect(b.signal.reason).toBeInstanceOf(TimeBudgetError);
    expect((b.signal.reason as Error).message).toBe(b.stoppedMessage);
    expect(b.canStart()).toBe(false);
  });

  it("beforeEnd gives the work's result or failure before the end, and the fallback after it", async () => {
    const { b } = budget(2_000);
    await expect(b.beforeEnd(Promise.resolve("flushed"), () => "gave up")).resolves.toBe("flushed");
    await expect(b.beforeEnd(Promise.reject(new Error("refused")), () => "gave up")).rejects.toThrow("refused");

    const late = budget(2_000, { spentMs: 2_000 }).b;
    const never = new Promise<string>(() => {});
    await expect(late.beforeEnd(never, () => "gave up")).resolves.toBe("gave up");
    // Work that fails after the end is let go of, not an unhandled rejection.
    await expect(late.beforeEnd(Promise.reject(new Error("too late")), () => "gave up")).resolves.toBe("gave up");
  });

  it("lets work still pending at the end resolve to the fallback", async () => {
    // The end comes 1 ms after the budget is made, on the real timers.
    const { b } = budget(2_000, { spentMs: 1_999 });
    let release: (v: string) => void = () => {};
    const pending = new Promise<string>((resolve) => (release = resolve));
    const answer = b.beforeEnd(pending, () => "summary without Braintrust");
    await expect(answer).resolves.toBe("summary without Braintrust");
    release("too late");
  });
});
