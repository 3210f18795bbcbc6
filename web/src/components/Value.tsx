// A span's value for reading: text as text, JSON pretty-printed (also JSON that arrived as a string), and anything
// long folded to its beginning with a button to show the rest.
import { useState } from "preact/hooks";

/** Folded beyond this many lines or characters. */
export const FOLD_LINES = 16;
export const FOLD_CHARS = 1200;

/** The text a value reads as: strings as they are (pretty when they hold JSON), the rest as indented JSON. */
export function readable(value: unknown): { text: string; json: boolean } {
  if (typeof value === "string") {
    const trimmed = value.trim();
    if ((trimmed.startsWith("{") && trimmed.endsWith("}")) || (trimmed.startsWith("[") && trimmed.endsWith("]"))) {
      try {
        return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true };
      } catch {
        // Not JSON after all: shown as the text it is.
      }
    }
    return { text: value, json: false };
  }
  if (value === undefined) return { text: "", json: false };
  return { text: JSON.stringify(value, null, 2) ?? String(value), json: true };
}

/** Where a long text is cut when folded: after FOLD_LINES lines or FOLD_CHARS characters, whichever is first. */
export function foldPoint(text: string): number | null {
  let at = -1;
  for (let line = 0; line < FOLD_LINES; line++) {
    at = text.indexOf("\n", at + 1);
    if (at < 0) break;
  }
  const byLines = at >= 0 ? at : text.length;
  const cut = Math.min(byLines, FOLD_CHARS);
  return cut < text.length ? cut : null;
}

export function Value({ value, label }: { value: unknown; label?: string }) {
  const [open, setOpen] = useState(false);
  if (value === null || value === undefined || value === "") return <span class="muted">none</span>;
  const { text, json } = readable(value);
  const cut = foldPoint(text);
  const shown = cut === null || open ? text : `${text.slice(0, cut)}…`;
  return (
    <div class="value">
      <pre class={json ? "json" : "text"} aria-label={label}>
        {shown}
      </pre>
      {cut !== null && (
        <button type="button" class="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Fold" : `Show all (${text.split("\n").length.toLocaleString("en-US")} lines, ${text.length.toLocaleString("en-US")} characters)`}
        </button>
      )}
    </div>
  );
}
