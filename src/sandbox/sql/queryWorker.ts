// A child process that runs one query at a time for queryRunner.ts, which kills it at the deadline:
// better-sqlite3 cannot interrupt a statement, and a worker thread keeps spinning after terminate().
// Each query gets a fresh read-only connection; only one read-only statement is accepted.
import { realpathSync } from "node:fs";
import Database from "better-sqlite3";

export interface WorkerRequest {
  dbPath: string;
  /** The database's name where the query's author sees it (e.g. /data/sema4.db): results never show the host's. */
  shownPath: string;
  sql: string;
  maxRows: number;
  maxResultBytes: number;
}

export type QueryFailureReason = "not_read_only" | "sql_error" | "open_failed";

export type WorkerResponse =
  | { ok: true; columns: string[]; rows: unknown[][]; truncated: boolean }
  | { ok: false; reason: QueryFailureReason; message: string };

// The first keyword after comments and opening parentheses: the scoring rules accept only these.
const READ_KEYWORD = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*(select|with|values)\b/i;

function cellSize(value: unknown): number {
  if (typeof value === "string") return 2 * value.length;
  if (value instanceof Uint8Array) return value.length;
  return 8;
}

/**
 * Integers come back as bigint (so none loses precision) and go out as numbers when they fit one. Text that names
 * the database's host path (pragma_database_list, an error) names it as its author sees it.
 */
function cellOf(hostPaths: string[], shownPath: string): (value: unknown) => unknown {
  return (value) => {
    if (typeof value === "bigint" && value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER) {
      return Number(value);
    }
    if (typeof value === "string") return hostPaths.reduce((text, path) => text.split(path).join(shownPath), value);
    return value;
  };
}

function hostPathsOf(dbPath: string): string[] {
  const paths = [dbPath];
  try {
    const real = realpathSync(dbPath);
    if (real !== dbPath) paths.push(real);
  } catch {
    // not there: the open below says so
  }
  return paths;
}

export function runQuery(request: WorkerRequest): WorkerResponse {
  const hostPaths = hostPathsOf(request.dbPath);
  const cell = cellOf(hostPaths, request.shownPath);
  const failure = (reason: QueryFailureReason, e: unknown): WorkerResponse => ({ ok: false, reason, message: String(cell((e as Error).message)) });
  let db: Database.Database;
  try {
    db = new Database(request.dbPath, { readonly: true, fileMustExist: true });
  } catch (e) {
    return failure("open_failed", e);
  }
  try {
    db.pragma("query_only = ON");
    const statement = db.prepare(request.sql);
    if (!statement.reader || !statement.readonly || !READ_KEYWORD.test(request.sql)) {
      return { ok: false, reason: "not_read_only", message: "only one read-only SELECT, WITH or VALUES statement is accepted" };
    }
    statement.raw(true).safeIntegers(true);
    const columns = statement.columns().map((c) => c.name);
    const rows: unknown[][] = [];
    let bytes = 0;
    let truncated = false;
    for (const row of statement.iterate() as IterableIterator<unknown[]>) {
      if (rows.length >= request.maxRows || bytes > request.maxResultBytes) {
        truncated = true;
        break;
      }
      rows.push(row.map(cell));
      for (const value of row) bytes += cellSize(value);
    }
    return { ok: true, columns, rows, truncated };
  } catch (e) {
    return failure("sql_error", e);
  } finally {
    db.close();
  }
}

if (process.send) {
  process.on("message", (request: WorkerRequest) => process.send!(runQuery(request)));
  process.on("disconnect", () => process.exit(0));
  process.send({ ready: true });
}
