// A trace's flat spans as the waterfall's rows: depth-first, children in the order they started, each with its
// offset and length relative to the whole trace. Linear in the spans, however deep the tree.

export interface TimedSpan {
  spanId: string;
  parentSpanId: string | null;
  start: number | null;
  end: number | null;
}

export interface WaterfallRow<S extends TimedSpan> {
  span: S;
  depth: number;
  /** The parent's row (rows come depth-first, so it is always an earlier one); null at the top. */
  parent: number | null;
  childCount: number;
  /** Share of the trace's time before the span starts, and the share it lasts (0 when untimed). */
  offset: number;
  width: number;
}

export function waterfall<S extends TimedSpan>(spans: readonly S[]): { rows: WaterfallRow<S>[]; start: number | null; duration: number } {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, S[]>();
  for (const s of spans) {
    // A span whose parent is not in the trace (a page of it, or a lost parent) is drawn at the top level.
    const parent = s.parentSpanId !== null && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId ? s.parentSpanId : null;
    const list = children.get(parent);
    if (list) list.push(s);
    else children.set(parent, [s]);
  }
  const order = new Map(spans.map((s, i) => [s, i]));
  const byStart = (a: S, b: S) => (a.start ?? Infinity) - (b.start ?? Infinity) || order.get(a)! - order.get(b)!;
  for (const list of children.values()) list.sort(byStart);

  let start: number | null = null;
  let last: number | null = null;
  for (const s of spans) {
    if (s.start !== null && (start === null || s.start < start)) start = s.start;
    const end = s.end ?? s.start;
    if (end !== null && (last === null || end > last)) last = end;
  }
  const duration = start !== null && last !== null ? Math.max(0, last - start) : 0;

  const rows: WaterfallRow<S>[] = [];
  const seen = new Set<string>();
  // Iterative, so a deep trace cannot overflow the stack.
  const stack: { span: S; depth: number; parent: number | null }[] = (children.get(null) ?? [])
    .slice()
    .reverse()
    .map((span) => ({ span, depth: 0, parent: null }));
  while (stack.length > 0) {
    const { span, depth, parent } = stack.pop()!;
    if (seen.has(span.spanId)) continue;
    seen.add(span.spanId);
    const kids = children.get(span.spanId) ?? [];
    const timed = start !== null && span.start !== null && duration > 0;
    const at = rows.length;
    rows.push({
      span,
      depth,
      parent,
      childCount: kids.length,
      offset: timed ? (span.start! - start!) / duration : 0,
      width: timed && span.end !== null ? Math.max(0, span.end - span.start!) / duration : 0,
    });
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: depth + 1, parent: at });
  }
  return { rows, start, duration };
}

/** The span ids of a row's ancestors, nearest first. */
export function ancestorIds(rows: readonly WaterfallRow<TimedSpan>[], at: number): string[] {
  const ids: string[] = [];
  for (let p = rows[at]?.parent ?? null; p !== null; p = rows[p].parent) ids.push(rows[p].span.spanId);
  return ids;
}

/** The rows not hidden under a folded ancestor, in order. */
export function visibleRows<S extends TimedSpan>(rows: readonly WaterfallRow<S>[], folded: ReadonlySet<string>): WaterfallRow<S>[] {
  const hidden = new Uint8Array(rows.length);
  const visible: WaterfallRow<S>[] = [];
  rows.forEach((r, i) => {
    if (r.parent !== null && (hidden[r.parent] || folded.has(rows[r.parent].span.spanId))) hidden[i] = 1;
    else visible.push(r);
  });
  return visible;
}
