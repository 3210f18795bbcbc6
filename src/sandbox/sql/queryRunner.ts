// The ReadonlyQueryRunner: model-written SQL runs in a child process (queryWorker.ts) that is killed at the
// deadline or on abort, since nothing else stops a runaway SQLite statement. A few warm workers are kept so
// a query costs a message, not a process start; a killed worker is replaced on demand.
import { fork, type ChildProcess } from "node:child_process";
import { AppError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { nodeEntry } from "../childEntry.js";
import { shellDbPath } from "../composeSandbox.js";
import type { QueryFailureReason, WorkerRequest, WorkerResponse } from "./queryWorker.js";
import type { QueryOptions, QueryResult, ReadonlyQueryRunner } from "../types.js";

export type QueryErrorReason = QueryFailureReason | "timeout" | "cancelled" | "worker_failed";

export interface QueryRunnerOptions {
  timeoutMs: number;
  maxRows: number;
  /** Rows stop (truncated) once the result holds about this many bytes. */
  maxResultBytes?: number;
  /** Worker processes at most; queries beyond wait their turn. */
  poolSize?: number;
  logger?: Logger;
}

export interface QueryRunner {
  run: ReadonlyQueryRunner;
  close(): Promise<void>;
}

const STATUS: Record<QueryErrorReason, ConstructorParameters<typeof AppError>[0]> = {
  not_read_only: "BAD_REQUEST",
  sql_error: "BAD_REQUEST",
  open_failed: "NOT_FOUND",
  timeout: "TIMEOUT",
  cancelled: "CANCELLED",
  worker_failed: "INTERNAL",
};

function queryError(reason: QueryErrorReason, message: string): AppError {
  return new AppError(STATUS[reason], message, { details: { reason } });
}

/** Why a query failed, for scorers that count failures by kind (`not_read_only`, `timeout`, ...). */
export function queryErrorReason(error: unknown): QueryErrorReason | undefined {
  const details = error instanceof AppError ? (error.details as { reason?: QueryErrorReason } | undefined) : undefined;
  return details?.reason;
}

const STARTUP_TIMEOUT_MS = 60_000;
const MAX_SQL_BYTES = 1024 * 1024;

class Worker {
  private readonly child: ChildProcess;
  readonly ready: Promise<void>;
  private onMessage: ((message: WorkerResponse) => void) | undefined;
  private onExit: (() => void) | undefined;
  dead = false;

  constructor() {
    const entry = nodeEntry(new URL("./queryWorker.js", import.meta.url));
    this.child = fork(entry.script, [], {
      execArgv: [...entry.execArgv, "--max-old-space-size=512"],
      // No secrets: the worker needs nothing from the service's environment.
      env: {},
      serialization: "advanced",
      stdio: ["ignore", "ignore", "ignore", "ipc"],
    });
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(queryError("worker_failed", "the SQL worker did not start")), STARTUP_TIMEOUT_MS);
      this.child.once("message", () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.once("exit", () => {
        clearTimeout(timer);
        reject(queryError("worker_failed", "the SQL worker exited while starting"));
      });
    });
    this.ready.catch(() => undefined);
    this.child.on("message", (message: WorkerResponse) => this.onMessage?.(message));
    this.child.on("exit", () => {
      this.dead = true;
      this.onExit?.();
    });
    this.child.on("error", () => this.kill());
  }

  query(request: WorkerRequest, timeoutMs: number, signal: AbortSignal | undefined): Promise<WorkerResponse> {
    return new Promise((resolve, reject) => {
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.onMessage = this.onExit = undefined;
        outcome();
      };
      const timer = setTimeout(() => {
        this.kill();
        finish(() => reject(queryError("timeout", `the query ran past its ${timeoutMs} ms deadline and was stopped`)));
      }, timeoutMs);
      const onAbort = () => {
        this.kill();
        finish(() => reject(queryError("cancelled", "the query was cancelled")));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.onMessage = (message) => finish(() => resolve(message));
      this.onExit = () => finish(() => reject(queryError("worker_failed", "the SQL worker died (out of memory?)")));
      if (this.dead) this.onExit();
      else this.child.send(request);
    });
  }

  kill(): void {
    this.dead = true;
    this.child.kill("SIGKILL");
  }
}

export function createQueryRunner(options: QueryRunnerOptions): QueryRunner {
  const poolSize = options.poolSize ?? 2;
  const maxResultBytes = options.maxResultBytes ?? 64 * 1024 * 1024;
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  const turns: Array<() => void> = [];
  let closed = false;

  async function acquire(signal: AbortSignal | undefined): Promise<Worker> {
    while (all.size >= poolSize && idle.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          turns.splice(turns.indexOf(turn), 1);
          reject(queryError("cancelled", "the query was cancelled while waiting for a worker"));
        };
        const turn = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        turns.push(turn);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    for (let reused = idle.pop(); reused; reused = idle.pop()) {
      if (!reused.dead) return reused;
      all.delete(reused);
    }
    const worker = new Worker();
    all.add(worker);
    return worker;
  }

  function release(worker: Worker): void {
    if (worker.dead || closed) {
      worker.kill();
      all.delete(worker);
    } else {
      idle.push(worker);
    }
    turns.shift()?.();
  }

  const run: ReadonlyQueryRunner = async (dbPath, sql, queryOptions: QueryOptions = {}): Promise<QueryResult> => {
    if (closed) throw queryError("cancelled", "the query runner is closed");
    if (typeof sql !== "string" || sql.trim() === "") throw queryError("sql_error", "the SQL is empty");
    if (Buffer.byteLength(sql) > MAX_SQL_BYTES) throw queryError("sql_error", `the SQL is over ${MAX_SQL_BYTES} bytes`);
    const { signal } = queryOptions;
    if (signal?.aborted) throw queryError("cancelled", "the query was cancelled");
    const worker = await acquire(signal);
    try {
      await worker.ready;
      const request: WorkerRequest = {
        dbPath,
        shownPath: queryOptions.shownPath ?? shellDbPath(dbPath),
        sql,
        maxRows: queryOptions.maxRows ?? options.maxRows,
        maxResultBytes,
      };
      const response = await worker.query(request, queryOptions.timeoutMs ?? options.timeoutMs, signal);
      if (!response.ok) throw queryError(response.reason, response.message);
      return { columns: response.columns, rows: response.rows, truncated: response.truncated };
    } catch (e) {
      if (queryErrorReason(e) === "worker_failed") options.logger?.warn({ err: e }, "SQL worker failed");
      throw e;
    } finally {
      release(worker);
    }
  };

  return {
    run,
    async close() {
      closed = true;
      for (const worker of all) worker.kill();
      all.clear();
      idle.length = 0;
    },
  };
}
