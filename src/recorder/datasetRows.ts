import { AppError } from "../errors.js";
import type { DatasetRow } from "./types.js";

/**
 * Checks a batch before anything is written (rows without an id would duplicate on every re-run) and keeps the
 * last row of each id, as Braintrust does within one batch.
 */
export function rowsById(rows: DatasetRow[]): Map<string, DatasetRow> {
  const bad = rows.findIndex((r) => typeof r.id !== "string" || r.id.length === 0);
  if (bad !== -1) throw new AppError("BAD_REQUEST", `Dataset row ${bad} has no id: every row needs a deterministic id`);
  return new Map(rows.map((r) => [r.id, r]));
}
