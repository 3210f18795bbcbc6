// What ingests may take of the process's memory and disk. Decompression is where a small upload becomes a large
// one, so every bound counts decompressed bytes; the errors name the setting that bounds them.
import type { Config } from "../../config.js";
import { AppError } from "../../errors.js";
import { ByteBudget } from "./byteBudget.js";

/** A gzip file may decompress to this many times INGEST_BODY_LIMIT (as its row in the README says). */
const DECOMPRESSED_FACTOR = 8;
/** Seconds a client is asked to wait when the ingests in flight hold a shared budget. */
const RETRY_AFTER_SECONDS = 10;

export interface IngestLimits {
  /** The largest file, decompressed. */
  maxFileBytes: number;
  /**
   * The largest task, simulation or other top-level value, decompressed (one is parsed at a time); also what the
   * other top-level values of one ingest's files (`info`, kept until the ingest is written) may hold together.
   */
  maxItemBytes: number;
  /** Items being read and parsed at once, by all the ingests of the process. */
  memory: ByteBudget;
  /** Bytes in the spool, by all the ingests of the process. */
  spool: ByteBudget;
}

type LimitSettings = Pick<Config, "INGEST_BODY_LIMIT" | "INGEST_MAX_ITEM_BYTES" | "INGEST_MEMORY_BUDGET" | "INGEST_SPOOL_LIMIT">;

/** The limits of one process: its ingests share the budgets. */
export function ingestLimits(config: LimitSettings): IngestLimits {
  return {
    maxFileBytes: config.INGEST_BODY_LIMIT * DECOMPRESSED_FACTOR,
    maxItemBytes: config.INGEST_MAX_ITEM_BYTES,
    memory: new ByteBudget(config.INGEST_MEMORY_BUDGET),
    spool: new ByteBudget(config.INGEST_SPOOL_LIMIT),
  };
}

export function itemTooLarge(file: string, item: string, offset: number, limit: number): AppError {
  return new AppError(
    "PAYLOAD_TOO_LARGE",
    `${file}: ${item} (at byte ${offset}) is larger than ${limit} bytes, the limit of one item (INGEST_MAX_ITEM_BYTES)`,
    { details: { file, offset, field: item } },
  );
}

export function headersTooLarge(file: string, limit: number): AppError {
  return new AppError(
    "PAYLOAD_TOO_LARGE",
    `${file}: the top-level values other than "tasks" and "simulations" of this ingest's files are larger than ` +
      `${limit} bytes together, the limit of one item (INGEST_MAX_ITEM_BYTES)`,
    { details: { file } },
  );
}

export function memoryBusy(memory: ByteBudget): AppError {
  return new AppError(
    "BUSY",
    `The ingests in flight hold ${memory.inUse} of the ${memory.limit} bytes they may parse at once ` +
      `(INGEST_MEMORY_BUDGET); try again shortly`,
    { retryAfter: RETRY_AFTER_SECONDS },
  );
}

export function spoolTooLarge(file: string, limit: number): AppError {
  return new AppError(
    "PAYLOAD_TOO_LARGE",
    `${file}: the files of this ingest take more than ${limit} bytes in the spool, decompressed (INGEST_SPOOL_LIMIT)`,
    { details: { file } },
  );
}

export function spoolBusy(spool: ByteBudget): AppError {
  return new AppError(
    "BUSY",
    `The ingests in flight fill ${spool.inUse} of the spool's ${spool.limit} bytes (INGEST_SPOOL_LIMIT); try again shortly`,
    { retryAfter: RETRY_AFTER_SECONDS },
  );
}
