// WindowCounter on a clock the test moves: the limit per window, a new window after the old one ends, and events
// given back.
import { describe, expect, it } from "vitest";
import { WindowCounter } from "../../src/lib/windowCounter.js";

describe("WindowCounter", () => {
  it("allows `limit` events per key per window, then says how long until the window ends", () => {
    let now = 1_000;
    const counter = new WindowCounter(2, 60_000, 100, () => now);
    expect([counter.take("a"), counter.take("a")]).toEqual([0, 0]);
    now += 15_000;
    expect(counter.take("a")).toBe(45_000);
    expect(counter.take("b")).toBe(0);
    now += 45_000;
    expect(counter.take("a")).toBe(0);
  });

  it("takes back an event that turned out not to count", () => {
    const counter = new WindowCounter(1, 60_000, 100, () => 0);
    expect(counter.take("a")).toBe(0);
    counter.giveBack("a");
    expect(counter.take("a")).toBe(0);
    expect(counter.take("a")).toBe(60_000);
  });

  it("keeps at most maxKeys keys, dropping the least recently counted", () => {
    const counter = new WindowCounter(1, 60_000, 2, () => 0);
    for (const key of ["a", "b", "c"]) counter.take(key);
    // "a" was dropped, so it starts a fresh window; "c" is still over its limit.
    expect(counter.take("a")).toBe(0);
    expect(counter.take("c")).toBe(60_000);
  });
});
