// Every field of one span, for reading: input, output, expected, error, scores, metrics and metadata. Values the
// trace answer cut to fit can be loaded whole.
import type { Span } from "../../../src/viewer/schemas.js";
import { seconds } from "../lib/format.js";
import { spanSeconds } from "../lib/messages.js";
import { Value } from "./Value.js";

const FIELDS = ["input", "output", "expected", "error", "metadata"] as const;

export function SpanFields({ span, onLoadWhole, loading }: { span: Span; onLoadWhole?: () => void; loading?: boolean }) {
  return (
    <div class="span-fields">
      <dl class="span-facts">
        <div>
          <dt>Type</dt>
          <dd>{span.type ?? "–"}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{seconds(spanSeconds(span))}</dd>
        </div>
        {span.start !== null && (
          <div>
            <dt>Started</dt>
            <dd>
              <time dateTime={new Date(span.start * 1000).toISOString()}>{new Date(span.start * 1000).toISOString().replace("T", " ").slice(0, 23)}</time>
            </dd>
          </div>
        )}
        <div>
          <dt>Span id</dt>
          <dd>
            <code>{span.spanId}</code>
          </dd>
        </div>
      </dl>
      {span.truncated.length > 0 && (
        <p class="notice">
          Cut to fit: {span.truncated.join(", ")}.{" "}
          {onLoadWhole && (
            <button type="button" class="link-button" onClick={onLoadWhole} disabled={loading}>
              {loading ? "Loading…" : "Load the whole span"}
            </button>
          )}
        </p>
      )}
      {FIELDS.map((field) =>
        span[field] === null || span[field] === undefined ? null : (
          <section key={field} class={`field field-${field}`}>
            <h4>{field}</h4>
            <Value value={span[field]} label={`${span.name ?? "span"} ${field}`} />
          </section>
        ),
      )}
      {span.scores && Object.keys(span.scores).length > 0 && <NumberTable title="scores" values={span.scores} />}
      {span.metrics && Object.keys(span.metrics).length > 0 && <NumberTable title="metrics" values={span.metrics} />}
    </div>
  );
}

function NumberTable({ title, values }: { title: string; values: Record<string, number | null> }) {
  return (
    <section class={`field field-${title}`}>
      <h4>{title}</h4>
      <table class="data compact">
        <tbody>
          {Object.entries(values).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td class="num">{v === null ? "–" : Number.isInteger(v) ? v : v.toFixed(4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
