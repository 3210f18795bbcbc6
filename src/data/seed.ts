// The telecom database the SQL agent is evaluated on. Deterministic (one seeded generator) so that every
// machine builds the same bytes of data and the gold answers never drift, and messy on purpose: NULL spends,
// usage and amounts, a plan without a data limit, customers without a plan, churned customers who still get
// refunds, transactions without a customer, ties at the top, and dates either side of 2024.
import Database from "better-sqlite3";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { seededRandom } from "../metrics/bootstrap.js";

/** Bumped whenever the generated data changes, so an old file is rebuilt instead of reused. */
export const SEED_VERSION = 3;

const SCHEMA = `
CREATE TABLE plans (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  data_limit_gb REAL,            -- NULL: no limit
  price REAL NOT NULL
);
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  plan_id INTEGER REFERENCES plans(id),   -- NULL: no plan
  monthly_spend REAL,                     -- NULL: unknown
  status TEXT NOT NULL CHECK (status IN ('active', 'churned', 'suspended')),
  data_used_gb REAL                       -- NULL: unknown
);
CREATE TABLE transactions (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER REFERENCES customers(id),  -- NULL: unattributed payment
  amount REAL,                                   -- negative for refunds; NULL: pending
  date TEXT NOT NULL,                            -- YYYY-MM-DD
  type TEXT NOT NULL CHECK (type IN ('charge', 'topup', 'refund'))
);
CREATE INDEX transactions_customer ON transactions(customer_id);
CREATE INDEX transactions_date ON transactions(date);
`;

const PLANS = [
  { id: 1, name: "Basic", data_limit_gb: 5, price: 15 },
  { id: 2, name: "Standard", data_limit_gb: 20, price: 30 },
  { id: 3, name: "Premium", data_limit_gb: 50, price: 50 },
  { id: 4, name: "Unlimited", data_limit_gb: null, price: 80 },
  { id: 5, name: "Legacy", data_limit_gb: 2, price: 10 },
] as const;

const FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Liam",
  "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Yara", "Zoe"];
const LAST = ["Andersen", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
  "Kowalski", "Lopez", "Meyer", "Nakamura", "Okafor", "Petrov", "Rossi", "Silva", "Tanaka", "Weber"];

const CUSTOMER_COUNT = 300;

/** The spends planted at the top: ranks 4 to 6 tie, so "top 5" is really six customers. */
const TOP_SPENDERS: Record<number, number> = { 7: 310.5, 150: 275, 201: 262.25, 17: 249.99, 42: 249.99, 99: 249.99 };


const cents = (x: number) => Math.round(x * 100) / 100;

function isoDate(dayOffset: number): string {
  return new Date(Date.UTC(2023, 10, 1) + dayOffset * 86_400_000).toISOString().slice(0, 10);
}
/** 2023-11-01 .. 2025-01-31 */
const DAY_SPAN = 458;

interface Rows {
  customers: (string | number | null)[][];
  transactions: (string | number | null)[][];
}

function generate(): Rows {
  const rand = seededRandom(20240917);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const customers: Rows["customers"] = [];
  const transactions: Rows["transactions"] = [];

  for (let id = 1; id <= CUSTOMER_COUNT; id++) {
    const r = rand();
    const status = r < 0.74 ? "active" : r < 0.93 ? "churned" : "suspended";
    const p = rand();
    let planId: number | null = p < 0.3 ? 1 : p < 0.62 ? 2 : p < 0.82 ? 3 : p < 0.97 ? 4 : null;
    if (status === "churned" && rand() < 0.25) planId = 5;
    const plan = PLANS.find((x) => x.id === planId);
    const spend = TOP_SPENDERS[id] ?? (rand() < 0.06 ? null : cents((plan?.price ?? 20) + rand() * 110));
    const limit = plan?.data_limit_gb ?? 100;
    const used = rand() < 0.09 ? null : cents(rand() * limit * 1.35);
    customers.push([id, `${pick(FIRST)} ${pick(LAST)}`, planId, spend, status, used]);

    // A few customers never transact; heavy users transact a lot. Churned customers stop transacting at
    // their churn day, except for refunds, which may still arrive afterwards.
    const count = rand() < 0.06 ? 0 : Math.floor(rand() < 0.1 ? 21 + rand() * 12 : rand() * 18);
    const churnDay = status === "churned" ? Math.floor(120 + rand() * (DAY_SPAN - 120)) : DAY_SPAN;
    for (let i = 0; i < count; i++) {
      const t = rand();
      const type = t < 0.72 ? "charge" : t < 0.88 ? "topup" : "refund";
      const span = type === "refund" ? DAY_SPAN : churnDay;
      const day = Math.floor(rand() * span);
      const amount =
        rand() < 0.01
          ? null
          : type === "charge"
            ? cents((spend ?? 30) * (0.5 + rand() * 0.6))
            : type === "topup"
              ? cents(5 + rand() * 25)
              : -cents(5 + rand() * 45);
      transactions.push([null, id, amount, isoDate(day), type]);
    }
  }
  for (let i = 0; i < 6; i++) {
    transactions.push([null, null, cents(10 + rand() * 40), isoDate(Math.floor(rand() * DAY_SPAN)), "topup"]);
  }
  // Ids follow date order, as an append-only ledger would have them.
  transactions.sort((a, b) => String(a[3]).localeCompare(String(b[3])));
  transactions.forEach((row, i) => (row[0] = i + 1));
  return { customers, transactions };
}

function build(file: string): void {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = DELETE");
    db.exec(SCHEMA);
    const { customers, transactions } = generate();
    const insertPlan = db.prepare("INSERT INTO plans VALUES (?, ?, ?, ?)");
    const insertCustomer = db.prepare("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)");
    const insertTransaction = db.prepare("INSERT INTO transactions VALUES (?, ?, ?, ?, ?)");
    db.transaction(() => {
      for (const p of PLANS) insertPlan.run(p.id, p.name, p.data_limit_gb, p.price);
      for (const c of customers) insertCustomer.run(...c);
      for (const t of transactions) insertTransaction.run(...t);
    })();
    db.pragma(`user_version = ${SEED_VERSION}`);
  } finally {
    db.close();
  }
}

function currentVersion(file: string): number | undefined {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.pragma("user_version", { simple: true }) as number;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Makes sure `file` holds the seeded database and returns its path. An up-to-date file is kept; anything else
 * is rebuilt beside it and renamed into place, so a reader never sees a half-written database.
 */
export function setupDb(file: string, options: { force?: boolean } = {}): string {
  const target = path.resolve(file);
  if (!options.force && existsSync(target) && currentVersion(target) === SEED_VERSION) return target;
  mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  try {
    build(temp);
    renameSync(temp, target);
  } finally {
    rmSync(temp, { force: true });
  }
  return target;
}
