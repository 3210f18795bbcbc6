// A trial's outcome as the pages show it: a word for screen readers, and a symbol and a pattern besides the colour,
// so that outcomes are told apart without colour vision.
import type { Span, TrialOutcome } from "../../../src/viewer/schemas.js";

/** The API's outcomes, and "missing" for a heatmap position where the run has no trial. */
export type CellOutcome = TrialOutcome | "missing";

export const OUTCOMES: Record<CellOutcome, { label: string; symbol: string }> = {
  passed: { label: "passed", symbol: "✓" },
  failed: { label: "failed", symbol: "✗" },
  partial: { label: "partly passed", symbol: "◐" },
  errored: { label: "errored", symbol: "!" },
  excluded: { label: "excluded from the metrics", symbol: "∅" },
  missing: { label: "not run", symbol: "" },
};

/** The accessible name of a trial cell: task, trial and outcome. */
export function trialLabel(taskId: string, trial: number, outcome: CellOutcome): string {
  return `task ${taskId}, trial ${trial}: ${OUTCOMES[outcome].label}`;
}

/**
 * The outcome of a tau2 trial span (the ingest writes its reward in the output, an exclusion in the metadata), for
 * the trace page, which has spans rather than the task table's cells.
 */
export function trialSpanOutcome(span: Pick<Span, "output" | "metadata">): TrialOutcome {
  const metadata = (span.metadata ?? {}) as Record<string, unknown>;
  if (metadata.excluded_from_metrics) return "excluded";
  const reward = (span.output as { reward?: unknown } | null)?.reward;
  if (typeof reward !== "number") return "errored";
  // The same tolerance as the metrics (src/metrics/passk.ts isSuccess).
  return Math.abs(reward - 1) <= 1e-6 ? "passed" : reward <= 0 ? "failed" : "partial";
}
