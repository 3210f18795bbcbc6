// An ingest stopped by its signal (client gone, shutdown, Ctrl-C) or by its job's disposal: one error for all.
import { AppError } from "../errors.js";

export const ingestCancelled = (cause?: unknown) => new AppError("CANCELLED", "ingest cancelled", cause === undefined ? {} : { cause });

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw ingestCancelled();
}
