// A trace's span tree with each span's time as a bar on the trace's timeline. Rows are buttons: Tab or the arrow
// keys move between them (Left and Right fold and unfold), Enter selects.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Span } from "../../../src/viewer/schemas.js";
import { excerpt, seconds } from "../lib/format.js";
import { spanPreview, spanSeconds } from "../lib/messages.js";
import { ancestorIds, visibleRows, type WaterfallRow } from "../lib/spanTree.js";

/** Folded at first: every span with children but the root and the selected span's ancestors. */
function initialFolds(rows: readonly WaterfallRow<Span>[], selected: string | null): Set<string> {
  const at = rows.findIndex((r) => r.span.spanId === selected);
  const open = new Set(at >= 0 ? [selected!, ...ancestorIds(rows, at)] : []);
  const folded = new Set<string>();
  for (const r of rows) if (r.childCount > 0 && r.depth > 0 && !open.has(r.span.spanId)) folded.add(r.span.spanId);
  return folded;
}

export function Waterfall({
  rows,
  selected,
  onSelect,
}: {
  rows: readonly WaterfallRow<Span>[];
  selected: string | null;
  onSelect: (spanId: string) => void;
}) {
  const [folded, setFolded] = useState(() => initialFolds(rows, selected));
  // A span selected from elsewhere (a message of the conversation, a deep link) is shown: its ancestors unfold.
  useEffect(() => {
    const ancestors = ancestorIds(rows, rows.findIndex((r) => r.span.spanId === selected));
    if (ancestors.some((a) => folded.has(a))) setFolded((f) => new Set([...f].filter((id) => !ancestors.includes(id))));
  }, [selected, rows]);
  const visible = useMemo(() => visibleRows(rows, folded), [rows, folded]);
  const toggle = (spanId: string, fold?: boolean) =>
    setFolded((f) => {
      const next = new Set(f);
      if (fold ?? !next.has(spanId)) next.add(spanId);
      else next.delete(spanId);
      return next;
    });

  const onKeyDown = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement;
    const spanId = target.dataset.span;
    if (!spanId) return;
    const at = visible.findIndex((r) => r.span.spanId === spanId);
    const focusRow = (i: number) => {
      const row = visible[Math.max(0, Math.min(visible.length - 1, i))];
      (target.closest(".waterfall")?.querySelector(`[data-span="${CSS.escape(row.span.spanId)}"]`) as HTMLElement | null)?.focus();
    };
    if (event.key === "ArrowDown") focusRow(at + 1);
    else if (event.key === "ArrowUp") focusRow(at - 1);
    else if (event.key === "Home") focusRow(0);
    else if (event.key === "End") focusRow(visible.length - 1);
    else if (event.key === "ArrowRight" && visible[at]?.childCount) toggle(spanId, false);
    else if (event.key === "ArrowLeft" && visible[at]?.childCount) toggle(spanId, true);
    else return;
    event.preventDefault();
  };

  return (
    <div class="waterfall" onKeyDown={onKeyDown}>
      <p class="wf-hint muted" id="waterfall-keys">
        ↑ ↓ move · ← → fold and unfold · Enter shows the span
      </p>
      <ul aria-label="Spans" aria-describedby="waterfall-keys" class="waterfall-rows">
        {visible.map((r) => {
          const s = r.span;
          const isFolded = folded.has(s.spanId);
          const label = s.name ?? s.type ?? "span";
          const preview = excerpt(spanPreview(s), 70);
          return (
            <li key={s.spanId} class={`wf-row${s.spanId === selected ? " selected" : ""}${s.error ? " has-error" : ""}`}>
              <span class="wf-name" style={{ paddingLeft: `${r.depth * 14}px` }}>
                {r.childCount > 0 ? (
                  <button
                    type="button"
                    class="fold"
                    tabIndex={-1}
                    aria-label={`${isFolded ? "Unfold" : "Fold"} ${label} (${r.childCount} spans)`}
                    aria-expanded={!isFolded}
                    onClick={() => toggle(s.spanId)}
                  >
                    {isFolded ? "▸" : "▾"}
                  </button>
                ) : (
                  <span class="fold-spacer" />
                )}
                <button
                  type="button"
                  class="wf-select"
                  data-span={s.spanId}
                  aria-current={s.spanId === selected ? "true" : undefined}
                  aria-expanded={r.childCount > 0 ? !isFolded : undefined}
                  onClick={() => onSelect(s.spanId)}
                >
                  {s.type && <span class={`type type-${s.type}`}>{s.type}</span>}
                  <span class="wf-label">{label}</span>
                  {s.error ? <span class="error-mark" aria-label="error">!</span> : null}
                  {preview && <span class="wf-preview muted">{preview}</span>}
                </button>
              </span>
              <span class="wf-track" aria-hidden="true">
                <span class="wf-bar" style={{ left: `${r.offset * 100}%`, width: `${r.width * 100}%` }} />
              </span>
              <span class="wf-time">{seconds(spanSeconds(s))}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
