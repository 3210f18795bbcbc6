// The SQL scorers: execution accuracy (`sql_correctness`) and, over the trials of one case, the unbiased
// pass@k and pass^k. Used alike by the `sema4-demo` evaluator, POST /agent and the agent CLI.
// Each query runs through the ReadonlyQueryRunner: a fresh read-only connection per execution, one read-only
// statement only, killable when it runs away, with a row cap. A gold query that fails makes the item invalid
// (null), never a model failure.
import { messageOf } from "../../../errors.js";
import { passAtK, passHatK } from "../../../metrics/passk.js";
import { queryErrorReason, type QueryErrorReason } from "../../../sandbox/index.js";
import type { QueryResult, ReadonlyQueryRunner } from "../../../sandbox/types.js";
import { compareResultSets, type CompareOptions, type MismatchReason } from "./resultSets.js";
import { hasTopLevelOrderBy } from "./sqlText.js";

export type MatchReason =
  | "equal"
  | "both_empty"
  | MismatchReason
  | "gold_error"
  | "no_sql"
  | "not_read_only"
  | "timeout"
  | "pred_error"
  | "too_many_rows";

export interface SqlMatch {
  /** 1 match, 0 mismatch, null when the item cannot be judged (the gold query failed). */
  score: 1 | 0 | null;
  reason: MatchReason;
  detail?: string;
  /** Gold column i was matched by predicted column columnMapping[i]. */
  columnMapping?: number[];
  goldRows?: number;
  predRows?: number;
  /** The databases (of a test suite) on which the prediction did not match. */
  dbFailures?: string[];
}

export interface MatchOptions extends Pick<CompareOptions, "floats" | "rowSemantics" | "goldColumnsSubset"> {
  /** One database normally; several make a test suite, and a match must hold on every one. */
  dbPaths: string[];
  runQuery: ReadonlyQueryRunner;
  timeoutMs?: number;
  maxRows?: number;
  signal?: AbortSignal;
}

type Execution = { ok: true; result: QueryResult } | { ok: false; reason?: QueryErrorReason; message: string };

async function execute(options: MatchOptions, dbPath: string, sql: string): Promise<Execution> {
  try {
    const result = await options.runQuery(dbPath, sql, {
      signal: options.signal,
      // Unset: the runner's own (SQL_TIMEOUT_MS, SQL_MAX_ROWS).
      timeoutMs: options.timeoutMs,
      maxRows: options.maxRows,
    });
    return { ok: true, result };
  } catch (e) {
    if (options.signal?.aborted) throw e;
    return { ok: false, reason: queryErrorReason(e), message: messageOf(e) };
  }
}

/**
 * Judges predictions against one gold query. The gold query runs once per database, however many predictions
 * (trials) are judged.
 */
export function createSqlJudge(goldSql: string, options: MatchOptions) {
  const ordered = hasTopLevelOrderBy(goldSql);
  const golds = new Map<string, Promise<Execution>>();
  const gold = (dbPath: string) => {
    let run = golds.get(dbPath);
    if (!run) golds.set(dbPath, (run = execute(options, dbPath, goldSql)));
    return run;
  };

  async function onDb(dbPath: string, predSql: string): Promise<SqlMatch> {
    const g = await gold(dbPath);
    if (!g.ok) return { score: null, reason: "gold_error", detail: g.message };
    if (g.result.truncated) return { score: null, reason: "gold_error", detail: "gold result exceeds the row cap" };
    const p = await execute(options, dbPath, predSql);
    if (!p.ok) {
      const reason = p.reason === "not_read_only" || p.reason === "timeout" ? p.reason : "pred_error";
      return { score: 0, reason, detail: p.message };
    }
    if (p.result.truncated) return { score: 0, reason: "too_many_rows" };
    const cmp = compareResultSets(g.result.rows, p.result.rows, { ...options, ordered });
    const counts = { goldRows: g.result.rows.length, predRows: p.result.rows.length };
    return cmp.match
      ? { score: 1, reason: cmp.reason, columnMapping: cmp.columnMapping, ...counts }
      : { score: 0, reason: cmp.reason, ...counts };
  }

  return async function judge(predSql: string | null | undefined): Promise<SqlMatch> {
    if (!predSql?.trim()) return { score: 0, reason: "no_sql" };
    const results = await Promise.all(options.dbPaths.map((db) => onDb(db, predSql)));
    const invalid = results.find((r) => r.score === null);
    if (invalid) return invalid;
    const failures = options.dbPaths.filter((_, i) => results[i]!.score === 0);
    if (failures.length === 0) return results[0]!;
    return { ...results.find((r) => r.score === 0)!, dbFailures: failures };
  };
}

/** Execution match of one prediction against one gold query (docs/sql-scoring.md §1). */
export function sqlExecutionMatch(goldSql: string, predSql: string, options: MatchOptions): Promise<SqlMatch> {
  return createSqlJudge(goldSql, options)(predSql);
}

// ---- The evaluator's scorers -------------------------------------------------------------------------------

/** One trial of the agent, as the `sema4-demo` task reports it. */
export interface SqlTrial {
  sql: string | null;
  error?: string;
}

/** The task's output: every trial of one case, and the k to score them with. */
export interface SqlGenOutput {
  trials: SqlTrial[];
  k: number;
}

interface Verdicts {
  matches: SqlMatch[];
  /** The gold query failed: the case is not scored. */
  invalid?: SqlMatch;
  n: number;
  c: number;
}

type ScoreResult = { name: string; score: number | null; metadata?: Record<string, unknown> };
type NamedScorer = ((args: { output: unknown; expected?: unknown }) => Promise<ScoreResult>) & { name: string };

export function goldSqlOf(expected: unknown): string | undefined {
  if (typeof expected === "string") return expected;
  if (expected && typeof expected === "object") {
    const e = expected as { gold_sql?: unknown; sql?: unknown };
    const sql = e.gold_sql ?? e.sql;
    if (typeof sql === "string") return sql;
  }
  return undefined;
}

function trialsOf(output: unknown): SqlTrial[] {
  if (!output || typeof output !== "object") return [];
  const o = output as Partial<SqlGenOutput> & Partial<SqlTrial>;
  if (Array.isArray(o.trials)) return o.trials;
  return "sql" in o ? [{ sql: o.sql ?? null }] : [];
}

function kOf(output: unknown): number {
  const k = (output as Partial<SqlGenOutput> | null)?.k;
  return typeof k === "number" && Number.isInteger(k) && k >= 1 ? k : 1;
}

const named = <F extends (...args: never[]) => unknown>(name: string, fn: F): F & { name: string } =>
  Object.defineProperty(fn, "name", { value: name }) as F & { name: string };

/**
 * sql_correctness (mean execution accuracy over the trials), pass_at_k and pass_exp_k. The three share one
 * judgement per output, so each prediction runs once however many scorers read it.
 */
export function createSqlScorers(options: Omit<MatchOptions, "dbPaths" | "signal"> & { dbPath: string }) {
  const verdicts = new WeakMap<object, Promise<Verdicts>>();

  async function judgeAll(output: unknown, expected: unknown): Promise<Verdicts> {
    const goldSql = goldSqlOf(expected);
    const trials = trialsOf(output);
    if (!goldSql) {
      const invalid: SqlMatch = { score: null, reason: "gold_error", detail: "the case has no gold SQL" };
      return { matches: [], invalid, n: trials.length, c: 0 };
    }
    const judge = createSqlJudge(goldSql, { ...options, dbPaths: [options.dbPath] });
    const matches = await Promise.all(trials.map((t) => judge(t.sql)));
    const invalid = matches.find((m) => m.score === null);
    return { matches, invalid, n: trials.length, c: matches.filter((m) => m.score === 1).length };
  }

  const verdictsFor = (output: unknown, expected: unknown): Promise<Verdicts> => {
    if (!output || typeof output !== "object") return judgeAll(output, expected);
    let v = verdicts.get(output);
    if (!v) verdicts.set(output, (v = judgeAll(output, expected)));
    return v;
  };

  const unscorable = (name: string, v: Verdicts): ScoreResult | undefined => {
    if (v.invalid) return { name, score: null, metadata: { invalid: v.invalid.reason, detail: v.invalid.detail } };
    if (v.n === 0) return { name, score: null, metadata: { invalid: "no_trials" } };
    return undefined;
  };

  const passMetric = (name: string, estimator: (n: number, c: number, k: number) => number): NamedScorer =>
    named(name, async ({ output, expected }: { output: unknown; expected?: unknown }) => {
      const v = await verdictsFor(output, expected);
      const k = kOf(output);
      const skip = unscorable(name, v);
      if (skip) return skip;
      if (k > v.n) return { name, score: null, metadata: { invalid: "k_exceeds_trials", k, n: v.n } };
      return { name, score: estimator(v.n, v.c, k), metadata: { n: v.n, c: v.c, k } };
    });

  const sql_correctness: NamedScorer = named(
    "sql_correctness",
    async ({ output, expected }: { output: unknown; expected?: unknown }) => {
      const v = await verdictsFor(output, expected);
      const skip = unscorable("sql_correctness", v);
      if (skip) return skip;
      const trials = v.matches.map((m) => ({ score: m.score, reason: m.reason, ...(m.detail ? { detail: m.detail } : {}) }));
      return { name: "sql_correctness", score: v.c / v.n, metadata: { trials } };
    },
  );

  return {
    sql_correctness,
    pass_at_k: passMetric("pass_at_k", passAtK),
    pass_exp_k: passMetric("pass_exp_k", passHatK),
  };
}
