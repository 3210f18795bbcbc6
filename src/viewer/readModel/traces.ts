// A trace as the viewer shows it: its spans in tree order (each parent before its children, siblings by start),
// every content field cut to a share of a bounded answer, so that a 1,000-span trace stays well under 2 MB; and one
// span with far larger bounds, for reading it in full.
import { prepared, type Db } from "../../recorder/localStore.js";
import type { ObjectType, Span, SpanField } from "../schemas.js";
import { previewStored } from "./preview.js";

/** What the content of a trace answer may take, and what each span's ids, names and numbers take at most. */
const TRACE_CONTENT_BYTES = 1_200_000;
const SPAN_OVERHEAD_BYTES = 400;
const MIN_FIELD_BYTES = 48;
const MAX_FIELD_BYTES = 16 * 1024;
/** One span read in full: each field up to this, and a stored text longer than the parse limit is not parsed. */
const SPAN_FIELD_BYTES = 256 * 1024;
const SPAN_PARSE_LIMIT = 4 * 1024 * 1024;

const FIELDS: SpanField[] = ["input", "output", "expected", "error", "metadata"];

interface SkeletonRow {
  span_id: string;
  parent_span_id: string | null;
}

interface ContentRow extends SkeletonRow {
  id: string;
  root_span_id: string;
  name: string | null;
  type: string | null;
  start: number | null;
  end: number | null;
  scores: string | null;
  metrics: string | null;
  input: string | null;
  output: string | null;
  expected: string | null;
  error: string | null;
  metadata: string | null;
  input_cut: number;
  output_cut: number;
  expected_cut: number;
  error_cut: number;
  metadata_cut: number;
}

/** Columns cut in the query itself: a long text never leaves SQLite whole, and is not parsed. */
const boundedColumns = FIELDS.map(
  (f) =>
    `CASE WHEN length(${f}) > @parseLimit THEN substr(${f}, 1, @budget) ELSE ${f} END AS ${f}, length(${f}) > @parseLimit AS ${f}_cut`,
).join(",\n    ");

const TRACE_CONTENT_SQL = `
  SELECT id, span_id, root_span_id, parent_span_id, name, type, start, "end", scores, metrics,
    ${boundedColumns}
  FROM spans
  WHERE object_type = @objectType AND object_id = @objectId AND root_span_id = @rootSpanId`;
/** Some spans of a trace (a subtree, or the first `limit`). */
const SPANS_CONTENT_SQL = `${TRACE_CONTENT_SQL} AND span_id IN (SELECT value FROM json_each(@spanIds))`;

const SKELETON_SQL = `
  SELECT span_id, parent_span_id FROM spans
  WHERE object_type = ? AND object_id = ? AND root_span_id = ?
  ORDER BY start, created, rowid`;

export interface TraceSpans {
  spans: Span[];
  total: number;
  truncated: boolean;
}

/** The spans of one trace (or of the subtree under `under`), at most `limit`; undefined when there is no such trace. */
export function readTrace(
  db: Db,
  where: { objectType: ObjectType; objectId: string; rootSpanId: string },
  options: { limit: number; under?: string },
): TraceSpans | undefined {
  const skeleton = prepared(db, SKELETON_SQL).all(where.objectType, where.objectId, where.rootSpanId) as SkeletonRow[];
  if (skeleton.length === 0) return undefined;
  const ordered = treeOrder(skeleton, options.under ?? where.rootSpanId);
  if (ordered.length === 0) return undefined;
  const chosen = ordered.slice(0, options.limit);
  const budget = fieldBudget(chosen.length);
  const whole = chosen.length === skeleton.length;
  const bounds = { budget: budget + 1, parseLimit: Math.max(budget * 16, 16 * 1024) };
  const rows = (
    whole
      ? prepared(db, TRACE_CONTENT_SQL).all({ ...where, ...bounds })
      : prepared(db, SPANS_CONTENT_SQL).all({ ...where, ...bounds, spanIds: JSON.stringify(chosen) })
  ) as ContentRow[];
  const byId = new Map(rows.map((r) => [r.span_id, r]));
  return {
    spans: chosen.flatMap((id) => {
      const row = byId.get(id);
      return row ? [toSpan(row, budget)] : [];
    }),
    total: ordered.length,
    truncated: ordered.length > chosen.length,
  };
}

/** One span with large bounds. */
export function readSpan(
  db: Db,
  where: { objectType: ObjectType; objectId: string; rootSpanId: string; spanId: string },
): Span | undefined {
  const row = prepared(db, SPANS_CONTENT_SQL).get({
    objectType: where.objectType,
    objectId: where.objectId,
    rootSpanId: where.rootSpanId,
    spanIds: JSON.stringify([where.spanId]),
    budget: SPAN_FIELD_BYTES + 1,
    parseLimit: SPAN_PARSE_LIMIT,
  }) as ContentRow | undefined;
  return row && toSpan(row, SPAN_FIELD_BYTES);
}

/** Each field's share of the answer for a trace of `spans` spans. */
export function fieldBudget(spans: number): number {
  const share = Math.floor((TRACE_CONTENT_BYTES - spans * SPAN_OVERHEAD_BYTES) / (Math.max(1, spans) * FIELDS.length));
  return Math.min(MAX_FIELD_BYTES, Math.max(MIN_FIELD_BYTES, share));
}

/**
 * Span ids from `top` down, depth first, siblings in the skeleton's (start) order. Spans whose parent is not in
 * the trace (written out of order, or cut off) follow, when `top` is the root.
 */
export function treeOrder(skeleton: readonly SkeletonRow[], top: string): string[] {
  const known = new Set(skeleton.map((s) => s.span_id));
  if (!known.has(top)) return [];
  const children = new Map<string, string[]>();
  const orphans: string[] = [];
  let root: string | undefined;
  for (const s of skeleton) {
    if (s.parent_span_id === null || !known.has(s.parent_span_id)) {
      if (s.parent_span_id === null && root === undefined) root = s.span_id;
      else orphans.push(s.span_id);
      continue;
    }
    let list = children.get(s.parent_span_id);
    if (!list) children.set(s.parent_span_id, (list = []));
    list.push(s.span_id);
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (start: string) => {
    const stack = [start];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
      const kids = children.get(id) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
  };
  visit(top);
  if (top === root) for (const o of orphans) visit(o);
  return out;
}

function toSpan(row: ContentRow, budget: number): Span {
  const truncated: SpanField[] = [];
  const field = (f: SpanField) => {
    const p = previewStored(row[f], budget, row[`${f}_cut`] === 1);
    if (p.truncated) truncated.push(f);
    return p.value;
  };
  return {
    id: row.id,
    spanId: row.span_id,
    rootSpanId: row.root_span_id,
    parentSpanId: row.parent_span_id,
    name: row.name,
    type: row.type,
    start: row.start,
    end: row.end,
    input: field("input"),
    output: field("output"),
    expected: field("expected"),
    error: field("error"),
    metadata: field("metadata"),
    scores: row.scores ? JSON.parse(row.scores) : null,
    metrics: row.metrics ? JSON.parse(row.metrics) : null,
    truncated,
  };
}
