// Every gold query against an answer computed independently, in plain TypeScript over the raw rows.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_VERSION, setupDb } from "../../src/data/seed.js";
import { SQL_TASKS, taskToCase } from "../../src/data/tasks.js";

interface Plan { id: number; name: string; data_limit_gb: number | null; price: number }
interface Customer {
  id: number; name: string; plan_id: number | null; monthly_spend: number | null; status: string;
  data_used_gb: number | null;
}
interface Txn { id: number; customer_id: number | null; amount: number | null; date: string; type: string }

let dir: string;
let db: Database.Database;
let plans: Plan[];
let customers: Customer[];
let txns: Txn[];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sema4-data-"));
  db = new Database(setupDb(path.join(dir, "eval.db")), { readonly: true });
  plans = db.prepare("SELECT * FROM plans").all() as Plan[];
  customers = db.prepare("SELECT * FROM customers").all() as Customer[];
  txns = db.prepare("SELECT * FROM transactions").all() as Txn[];
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const gold = (id: string) => {
  const task = SQL_TASKS.find((t) => t.id === id)!;
  return db.prepare(task.gold_sql).raw().all() as unknown[][];
};
const sorted = (rows: unknown[][]) => [...rows].map((r) => JSON.stringify(r)).sort();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const known = <T>(x: T | null): x is T => x !== null;
const planOf = (c: Customer) => plans.find((p) => p.id === c.plan_id);

describe("the seeded database", () => {
  it("is realistic in size and in mess", () => {
    expect(plans.length).toBe(5);
    expect(customers.length).toBeGreaterThanOrEqual(200);
    expect(txns.length).toBeGreaterThanOrEqual(2000);
    expect(plans.some((p) => p.data_limit_gb === null)).toBe(true);
    expect(customers.some((c) => c.plan_id === null)).toBe(true);
    expect(customers.some((c) => c.monthly_spend === null)).toBe(true);
    expect(customers.some((c) => c.data_used_gb === null)).toBe(true);
    expect(txns.some((t) => t.customer_id === null)).toBe(true);
    expect(txns.some((t) => t.amount === null)).toBe(true);
    expect(txns.some((t) => t.type === "refund" && t.amount! < 0)).toBe(true);
    expect(txns.some((t) => t.date < "2024-01-01") && txns.some((t) => t.date > "2024-12-31")).toBe(true);
    const churned = new Set(customers.filter((c) => c.status === "churned").map((c) => c.id));
    expect(churned.size).toBeGreaterThan(10);
    expect(new Set(customers.map((c) => c.name)).size).toBeLessThan(customers.length); // duplicate names
  });

  it("is the same on every build, and is rebuilt only when stale", () => {
    const second = path.join(dir, "again.db");
    setupDb(second);
    const other = new Database(second, { readonly: true });
    const dump = (d: Database.Database) =>
      ["plans", "customers", "transactions"].map((t) => JSON.stringify(d.prepare(`SELECT * FROM ${t}`).raw().all()));
    expect(dump(other)).toEqual(dump(db));
    other.close();

    const before = statSync(second).mtimeMs;
    setupDb(second);
    expect(statSync(second).mtimeMs).toBe(before);

    const stale = new Database(second);
    stale.pragma("foreign_keys = OFF");
    stale.pragma("user_version = 0");
    stale.exec("DELETE FROM plans WHERE id = 5");
    stale.close();
    setupDb(second);
    const rebuilt = new Database(second, { readonly: true });
    expect(rebuilt.pragma("user_version", { simple: true })).toBe(SEED_VERSION);
    expect(dump(rebuilt)).toEqual(dump(db));
    rebuilt.close();
  });
});

describe("the twelve tasks", () => {
  it("are twelve, with unique ids, tags and dataset rows keyed by id", () => {
    expect(SQL_TASKS.length).toBe(12);
    expect(new Set(SQL_TASKS.map((t) => t.id)).size).toBe(12);
    for (const t of SQL_TASKS) expect(t.tags.length).toBeGreaterThan(0);
    const tags = new Set(SQL_TASKS.flatMap((t) => t.tags));
    for (const t of ["join", "aggregate", "group-by", "having", "date", "order-limit", "ties", "null", "subquery"]) {
      expect(tags).toContain(t);
    }
    expect(taskToCase(SQL_TASKS[0])).toMatchObject({ id: SQL_TASKS[0].id, expected: { gold_sql: expect.any(String) } });
  });

  it("01: active customers per plan, zero included", () => {
    const expected = plans.map((p) => [p.name, customers.filter((c) => c.plan_id === p.id && c.status === "active").length]);
    expect(expected.some(([, n]) => n === 0)).toBe(true);
    expect(sorted(gold("sql-01-active-per-plan"))).toEqual(sorted(expected));
  });

  it("02: average spend of active customers with a known spend", () => {
    const avg = mean(customers.filter((c) => c.status === "active").map((c) => c.monthly_spend).filter(known));
    const [[value]] = gold("sql-02-avg-active-spend") as [[number]];
    expect(Math.abs(value - avg)).toBeLessThanOrEqual(0.005);
  });

  it("03: heavy transactors in count order, ties by id", () => {
    const counts = new Map<number, number>();
    for (const t of txns) if (t.customer_id !== null) counts.set(t.customer_id, (counts.get(t.customer_id) ?? 0) + 1);
    const expected = customers
      .filter((c) => (counts.get(c.id) ?? 0) > 25)
      .map((c) => [c.id, c.name, counts.get(c.id)!])
      .sort((a, b) => (b[2] as number) - (a[2] as number) || (a[0] as number) - (b[0] as number));
    expect(new Set(expected.map((r) => r[2])).size).toBeLessThan(expected.length); // there are ties
    expect(gold("sql-03-heavy-transactors")).toEqual(expected);
  });

  it("04: charges in the second quarter of 2024", () => {
    const sum = txns
      .filter((t) => t.type === "charge" && t.date >= "2024-04-01" && t.date <= "2024-06-30")
      .map((t) => t.amount)
      .filter(known)
      .reduce((a, b) => a + b, 0);
    const [[value]] = gold("sql-04-q2-charges") as [[number]];
    expect(value).toBeCloseTo(sum, 6);
  });

  it("05: top 5 spenders, all ties at 5th place included", () => {
    const spends = customers.map((c) => c.monthly_spend).filter(known).sort((a, b) => b - a);
    const cutoff = spends[4];
    const expected = customers
      .filter((c) => c.monthly_spend !== null && c.monthly_spend >= cutoff)
      .sort((a, b) => b.monthly_spend! - a.monthly_spend! || a.id - b.id)
      .map((c) => [c.id, c.name, c.monthly_spend]);
    expect(expected.length).toBeGreaterThan(5);
    expect(gold("sql-05-top-spenders-with-ties")).toEqual(expected);
  });

  it("06: customers with unknown usage", () => {
    expect(gold("sql-06-unknown-usage")).toEqual([[customers.filter((c) => c.data_used_gb === null).length]]);
  });

  it("07: active customers above the average known spend", () => {
    const avg = mean(customers.map((c) => c.monthly_spend).filter(known));
    const expected = customers
      .filter((c) => c.status === "active" && c.monthly_spend !== null && c.monthly_spend > avg)
      .map((c) => [c.id, c.name]);
    expect(sorted(gold("sql-07-above-average-spenders"))).toEqual(sorted(expected));
  });

  it("08: customers over a real data limit", () => {
    const expected = customers.flatMap((c) => {
      const p = planOf(c);
      if (!p || p.data_limit_gb === null || c.data_used_gb === null || c.data_used_gb <= p.data_limit_gb) return [];
      return [[c.id, c.name, p.name, c.data_used_gb, p.data_limit_gb]];
    });
    expect(expected.length).toBeGreaterThan(0);
    expect(sorted(gold("sql-08-over-data-limit"))).toEqual(sorted(expected));
  });

  it("09: churned customers with a December 2024 transaction", () => {
    const churned = new Set(customers.filter((c) => c.status === "churned").map((c) => c.id));
    const ids = new Set(
      txns.filter((t) => t.customer_id !== null && churned.has(t.customer_id) && t.date.startsWith("2024-12")).map((t) => t.customer_id),
    );
    expect(ids.size).toBeGreaterThan(0);
    expect(gold("sql-09-churned-active-in-december")).toEqual([[ids.size]]);
  });

  it("10: net amount per month of 2024, in month order", () => {
    const byMonth = new Map<string, number>();
    for (const t of txns) {
      if (!t.date.startsWith("2024-") || t.amount === null) continue;
      const m = t.date.slice(0, 7);
      byMonth.set(m, (byMonth.get(m) ?? 0) + t.amount);
    }
    const expected = [...byMonth].sort(([a], [b]) => a.localeCompare(b));
    const rows = gold("sql-10-net-per-month") as [string, number][];
    expect(rows.map((r) => r[0])).toEqual(expected.map((r) => r[0]));
    rows.forEach((r, i) => expect(r[1]).toBeCloseTo(expected[i][1], 6));
  });

  it("11: customers who never transacted (despite unattributed transactions)", () => {
    const active = new Set(txns.map((t) => t.customer_id));
    const expected = customers.filter((c) => !active.has(c.id)).map((c) => [c.id, c.name]);
    expect(expected.length).toBeGreaterThan(0);
    expect(sorted(gold("sql-11-never-transacted"))).toEqual(sorted(expected));
    // The classic trap: NOT IN over a column holding NULL returns nothing at all.
    expect(db.prepare("SELECT id FROM customers WHERE id NOT IN (SELECT customer_id FROM transactions)").all()).toEqual([]);
  });

  it("12: average usage on plans with at least 50 customers", () => {
    const expected = plans.flatMap((p) => {
      const members = customers.filter((c) => c.plan_id === p.id);
      if (members.length < 50) return [];
      return [[p.name, mean(members.map((c) => c.data_used_gb).filter(known))]];
    });
    expect(expected.length).toBeLessThan(plans.filter((p) => customers.some((c) => c.plan_id === p.id)).length);
    const rows = gold("sql-12-usage-by-large-plan") as [string, number][];
    expect(rows.map((r) => r[0]).sort()).toEqual(expected.map((r) => r[0]).sort());
    for (const [name, avg] of expected) {
      expect(Math.abs(rows.find((r) => r[0] === name)![1] - (avg as number))).toBeLessThanOrEqual(0.005);
    }
  });
});
