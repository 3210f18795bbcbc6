// The byte budget the ingests of a process share: taken at once when it fits, else refused or waited for in turn.
import { describe, expect, it } from "vitest";
import { ByteBudget } from "../../../src/ingest/read/byteBudget.js";

describe("ByteBudget", () => {
  it("takes what fits and refuses the rest until it is given back", () => {
    const budget = new ByteBudget(100);
    expect(budget.tryTake(60)).toBe(true);
    expect(budget.tryTake(41)).toBe(false);
    expect(budget.tryTake(40)).toBe(true);
    expect(budget.inUse).toBe(100);
    budget.give(60);
    expect(budget.tryTake(41)).toBe(true);
    expect(budget.inUse).toBe(81);
  });

  it("lets waiters in, in order, as bytes are given back; a waiter is not overtaken", async () => {
    const budget = new ByteBudget(100);
    budget.tryTake(90);
    const order: string[] = [];
    const first = budget.take(50).then(() => order.push("first"));
    const second = budget.take(30).then(() => order.push("second"));
    // 10 bytes are free, but taking them would overtake the waiters.
    expect(budget.tryTake(10)).toBe(false);
    budget.give(40);
    await first;
    expect(order).toEqual(["first"]);
    expect(budget.inUse).toBe(100);
    budget.give(50);
    await second;
    expect(order).toEqual(["first", "second"]);
    expect(budget.inUse).toBe(80);
  });

  it("drops a waiter whose signal aborts, and lets the next one in", async () => {
    const budget = new ByteBudget(100);
    budget.tryTake(80);
    const controller = new AbortController();
    const big = budget.take(90, controller.signal);
    const small = budget.take(20);
    controller.abort(new Error("client gone"));
    await expect(big).rejects.toThrow("client gone");
    await small;
    expect(budget.inUse).toBe(100);
    await expect(budget.take(10, AbortSignal.abort(new Error("already gone")))).rejects.toThrow("already gone");
  });

  it("refuses at once what can never fit", async () => {
    await expect(new ByteBudget(100).take(101)).rejects.toThrow(RangeError);
  });
});
