// Scorer return values, normalized the way the braintrust SDK does: a number, null (skipped), an object
// {name?, score, metadata?}, or an array of named objects.
import type { ScoreValue } from "./types.js";

export interface PreparedScore {
  results: { name: string; score: number | null; metadata?: Record<string, unknown> }[];
  output: unknown;
  metadata: unknown;
  scores: Record<string, number | null>;
}

export function scorerName(scorer: { name?: string }, index: number): string {
  return scorer.name || `scorer_${index}`;
}

export function prepareScore(value: ScoreValue | ScoreValue[], name: string): PreparedScore | null {
  if (value === null || value === undefined) return null;
  let results: PreparedScore["results"];
  if (Array.isArray(value)) {
    const names = new Set<string>();
    results = value.map((s) => {
      if (typeof s !== "object" || s === null || typeof s.name !== "string") {
        throw new Error(`When returning an array of scores, each score must be an object with a name. Got: ${JSON.stringify(s)}`);
      }
      if (names.has(s.name)) throw new Error(`Duplicate score name '${s.name}' in score array`);
      names.add(s.name);
      return s as PreparedScore["results"][number];
    });
  } else if (typeof value === "object") {
    results = [{ ...value, name: value.name ?? name }];
  } else if (typeof value === "number") {
    results = [{ name, score: value }];
  } else {
    throw new Error(`Scorer '${name}' returned ${typeof value}; expected a number, an object or null`);
  }
  const fields = ({ metadata: _m, name: _n, ...rest }: PreparedScore["results"][number]) => rest;
  return {
    results,
    output: results.length === 1 ? fields(results[0]) : Object.fromEntries(results.map((r) => [r.name, fields(r)])),
    metadata:
      results.length === 1 ? results[0].metadata : Object.fromEntries(results.map((r) => [r.name, r.metadata])),
    scores: Object.fromEntries(results.map((r) => [r.name, r.score])),
  };
}

/** Mean of the non-null values per score name: the summary of a run with no experiment behind it. */
export class ScoreAccumulator {
  private readonly totals = new Map<string, { total: number; count: number }>();

  add(scores: Record<string, number | null | undefined>): void {
    for (const [name, score] of Object.entries(scores)) {
      if (score === null || score === undefined) continue;
      const t = this.totals.get(name) ?? { total: 0, count: 0 };
      t.total += score;
      t.count += 1;
      this.totals.set(name, t);
    }
  }

  summary(): Record<string, { name: string; score: number; improvements: 0; regressions: 0 }> {
    return Object.fromEntries(
      [...this.totals].map(([name, { total, count }]) => [
        name,
        { name, score: count === 0 ? 0 : total / count, improvements: 0 as const, regressions: 0 as const },
      ]),
    );
  }
}
