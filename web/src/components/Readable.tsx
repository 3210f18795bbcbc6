// A record of texts (a task's description, a user scenario) as headed paragraphs instead of JSON; empty fields
// are left out. Anything else (lists, deeper structures) stays pretty-printed JSON.
import { Value } from "./Value.js";

const MAX_DEPTH = 3;

type Leaf = string | number | boolean | null;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isLeaf = (v: unknown): v is Leaf => v === null || ["string", "number", "boolean"].includes(typeof v);

/** Only records of texts and records are read this way. */
function readsAsText(value: unknown, depth = 0): value is Record<string, unknown> {
  return isRecord(value) && depth < MAX_DEPTH && Object.values(value).every((v) => isLeaf(v) || readsAsText(v, depth + 1));
}

/** "reason_for_call" → "Reason for call". */
function humanize(key: string): string {
  const words = key.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function Readable({ value }: { value: unknown }) {
  if (!readsAsText(value)) return <Value value={value} />;
  const entries = Object.entries(value).filter(([, v]) => v !== null && v !== "" && !(isRecord(v) && Object.keys(v).length === 0));
  if (entries.length === 0) return <span class="muted">none</span>;
  return (
    <dl class="readable">
      {entries.map(([key, v]) => (
        <div key={key}>
          <dt>{humanize(key)}</dt>
          <dd>{isRecord(v) ? <Readable value={v} /> : <Value value={v} />}</dd>
        </div>
      ))}
    </dl>
  );
}
