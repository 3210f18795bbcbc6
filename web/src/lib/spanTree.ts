// A trace's flat spans as the waterfall's rows: depth-first, children in the order they started, each with its
// offset and length relative to the whole trace.

export interface TimedSpan {
  spanId: string;
  parentSpanId: string | null;
  start: number | null;
  end: number | null;
}

export interface WaterfallRow<S extends TimedSpan> {
  span: S;
  depth: number;
  childCount: number;
  /** Share of the trace's time before the span starts, and the share it lasts (0 when untimed). */
  offset: number;
  width: number;
  /** Ancestors' span ids, nearest first: a folded ancestor hides the row. */
  ancestors: string[];
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

  const starts = spans.map((s) => s.start).filter((v): v is number => v !== null);
  const ends = spans.map((s) => s.end ?? s.start).filter((v): v is number => v !== null);
  const start = starts.length > 0 ? Math.min(...starts) : null;
  const duration = start !== null && ends.length > 0 ? Math.max(0, Math.max(...ends) - start) : 0;

  const rows: WaterfallRow<S>[] = [];
  const seen = new Set<string>();
  // Iterative, so a deep trace cannot overflow the stack.
  const stack: { span: S; depth: number; ancestors: string[] }[] = (children.get(null) ?? [])
    .slice()
    .reverse()
    .map((span) => ({ span, depth: 0, ancestors: [] }));
  while (stack.length > 0) {
    const { span, depth, ancestors } = stack.pop()!;
    if (seen.has(span.spanId)) continue;
    seen.add(span.spanId);
    const kids = children.get(span.spanId) ?? [];
    const timed = start !== null && span.start !== null && duration > 0;
    rows.push({
      span,
      depth,
      childCount: kids.length,
      offset: timed ? (span.start! - start!) / duration : 0,
      width: timed && span.end !== null ? Math.max(0, span.end - span.start!) / duration : 0,
      ancestors,
    });
    const next = [span.spanId, ...ancestors];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: depth + 1, ancestors: next });
  }
  return { rows, start, duration };
}
