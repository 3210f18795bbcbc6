// /ui/traces/<objectType>/<objectId>/<rootSpanId>?span=<spanId>: a trace's span tree as a waterfall, and the
// selected span's content for reading. Selecting a span changes the address (a deep link), not the history.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Span, Trace } from "../../../src/viewer/schemas.js";
import { viewerLinks } from "../../../src/viewer/links.js";
import { api } from "../api/client.js";
import { useResource } from "../api/useResource.js";
import { contextSpan, indexTrace, Reading, readingView, type SpanLinker, type TraceIndex } from "../components/Reading.js";
import { SpanFields } from "../components/SpanFields.js";
import { Failure, Loaded } from "../components/Status.js";
import { Waterfall } from "../components/Waterfall.js";
import { seconds } from "../lib/format.js";
import { navigate, type Place, type Route } from "../lib/router.js";
import { waterfall } from "../lib/spanTree.js";

type TraceRoute = Extract<Route, { page: "trace" }>;

export function TracePage({ route, place }: { route: TraceRoute; place: Place }) {
  const trace = useResource(place.pathname, (signal) => api.trace(route.objectType, route.objectId, route.rootSpanId, {}, signal));
  return (
    <main id="content" class="trace-page">
      <Loaded resource={trace}>{(data) => <TraceView trace={data} route={route} />}</Loaded>
    </main>
  );
}

/** The span and its children: what its reading view shows. */
function readSpans(index: TraceIndex, context: Span): Span[] {
  return [context, ...(index.children.get(context.spanId) ?? [])];
}

function TraceView({ trace, route }: { trace: Trace; route: TraceRoute }) {
  // Spans loaded again with less cut (a subtree, or one span whole) replace the cut ones.
  const [fuller, setFuller] = useState<Map<string, Span>>(new Map());
  const [loading, setLoading] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<Error | null>(null);
  const spans = useMemo(() => trace.spans.map((s) => fuller.get(s.spanId) ?? s), [trace, fuller]);
  const tree = useMemo(() => waterfall(spans), [spans]);
  const index = useMemo(() => indexTrace(spans, tree.rows), [spans, tree]);
  const selected = index.root && ((route.spanId && index.byId.get(route.spanId)) || index.root);
  const context = selected && contextSpan(trace.kind, index, selected);
  const merge = (more: readonly Span[]) => setFuller((f) => new Map([...f, ...more.map((s) => [s.spanId, s] as const)]));

  // A conversation cut to fit the whole trace's answer is fetched again on its own, where it fits far better.
  const cutSubtree = context && context.spanId !== index.root?.spanId && readSpans(index, context).some((s) => s.truncated.length > 0);
  useEffect(() => {
    if (!context || !cutSubtree) return;
    const controller = new AbortController();
    api.trace(trace.objectType, trace.objectId, trace.rootSpanId, { under: context.spanId }, controller.signal).then(
      (sub) => merge(sub.spans),
      (error: Error) => controller.signal.aborted || setLoadError(error),
    );
    return () => controller.abort();
  }, [context?.spanId, cutSubtree]);

  if (!index.root || !selected || !context) return <p class="empty">This trace has no spans.</p>;
  const view = readingView(trace.kind, index, context);
  const linker: SpanLinker = {
    href: (spanId) => viewerLinks.trace(trace.objectType, trace.objectId, trace.rootSpanId, spanId),
    select: (spanId) => navigate(viewerLinks.trace(trace.objectType, trace.objectId, trace.rootSpanId, spanId), { replace: true }),
  };
  const loadWhole = (span: Span) => {
    setLoading(span.spanId);
    setLoadError(null);
    api.span(trace.objectType, trace.objectId, trace.rootSpanId, span.spanId).then(
      ({ span: whole }) => {
        merge([whole]);
        setLoading(null);
      },
      (error: Error) => {
        setLoadError(error);
        setLoading(null);
      },
    );
  };

  return (
    <>
      <p class="crumbs">
        <a href={viewerLinks.experiments()}>Experiments</a> ›{" "}
        {trace.experiment ? (
          <a href={viewerLinks.experiment(trace.experiment.id)}>{trace.experiment.name}</a>
        ) : (
          <a href={viewerLinks.logs()}>Agent runs ({trace.objectId})</a>
        )}{" "}
        › {index.root.name ?? "trace"}
      </p>
      <h1>
        {TRACE_TITLES[trace.kind]} {index.root.name && <span>{index.root.name}</span>}
        {selected !== index.root && <span class="muted"> › {selected.name ?? selected.type}</span>}
      </h1>
      <p class="muted">
        {trace.total} span{trace.total === 1 ? "" : "s"} · {seconds(tree.duration)}
        {trace.truncated && ` · the first ${trace.spans.length} shown`}
      </p>
      <div class="trace-layout">
        <section class="trace-tree" aria-label="Span tree">
          <Waterfall rows={tree.rows} selected={selected.spanId} onSelect={linker.select} />
        </section>
        <section class="trace-content" aria-label="Span content">
          <h2>
            {selected.name ?? selected.type ?? "span"} {selected.type && <span class={`type type-${selected.type}`}>{selected.type}</span>}
          </h2>
          {selected.error ? <p class="failure">{typeof selected.error === "string" ? selected.error : JSON.stringify(selected.error)}</p> : null}
          {loadError && <Failure error={loadError} />}
          {view && <Reading view={view} index={index} context={context} selected={selected} linker={linker} />}
          <details class="all-fields" open={context.spanId !== selected.spanId || !view}>
            <summary>All fields of this span</summary>
            <SpanFields span={selected} onLoadWhole={() => loadWhole(selected)} loading={loading === selected.spanId} />
          </details>
        </section>
      </div>
    </>
  );
}

const TRACE_TITLES: Record<Trace["kind"], string> = { tau2: "tau2 task", agent: "Agent run", eval: "Eval case" };
