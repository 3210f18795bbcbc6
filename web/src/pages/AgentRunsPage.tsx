// The agent's runs (project logs): question, answer, outcome, steps, tokens, cost and time, each a link to its
// trace. /ui/logs lists them all; the experiments page shows the latest few.
import type { RunOutcome } from "../../../src/viewer/schemas.js";
import { api } from "../api/client.js";
import { useResource } from "../api/useResource.js";
import { Loaded } from "../components/Status.js";
import { TextFilter } from "../components/TextFilter.js";
import { count, dateTime, excerpt, seconds, usd } from "../lib/format.js";
import { navigate, withQuery, type Place } from "../lib/router.js";

const RUN_OUTCOMES: Record<RunOutcome, { label: string; symbol: string }> = {
  passed: { label: "passed", symbol: "✓" },
  failed: { label: "failed", symbol: "✗" },
  answered: { label: "answered", symbol: "●" },
  no_answer: { label: "no answer", symbol: "○" },
  errored: { label: "errored", symbol: "!" },
};

function RunOutcomeBadge({ outcome }: { outcome: RunOutcome }) {
  const o = RUN_OUTCOMES[outcome];
  return (
    <span class={`outcome outcome-${outcome}`}>
      <span aria-hidden="true">{o.symbol}</span> {o.label}
    </span>
  );
}

/** `moreHref`: where "show more" leads when there are more runs than `limit`. */
export function AgentRuns({ limit, q, moreHref }: { limit: number; q?: string; moreHref: string }) {
  const runs = useResource(JSON.stringify([limit, q]), (signal) => api.logs({ limit, q }, signal));
  return (
    <section class="agent-runs" aria-labelledby="agent-runs">
      <h2 id="agent-runs">Agent runs</h2>
      <Loaded resource={runs}>
        {(data) =>
          data.runs.length === 0 ? (
            <p class="empty">
              {q ? "No agent run matches this filter." : "No agent runs yet: ask the SQL agent (npm run agent, or POST /agent) and its runs appear here."}
            </p>
          ) : (
            <>
              <div class="table-scroll">
                <table class="data runs">
                  <thead>
                    <tr>
                      <th scope="col">Question</th>
                      <th scope="col">Answer</th>
                      <th scope="col">Outcome</th>
                      <th scope="col" class="num">
                        Steps
                      </th>
                      <th scope="col" class="num">
                        Tokens
                      </th>
                      <th scope="col" class="num">
                        Cost
                      </th>
                      <th scope="col" class="num">
                        Time
                      </th>
                      <th scope="col">Date</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.runs.map((r) => (
                      <tr key={r.id}>
                        <th scope="row">
                          <a href={r.traceUrl}>{excerpt(r.question, 100) || "(no question)"}</a>
                        </th>
                        <td>{r.answer ? excerpt(r.answer, 100) : <span class="muted">{r.error ? excerpt(r.error, 80) : "–"}</span>}</td>
                        <td>
                          <RunOutcomeBadge outcome={r.outcome} />
                        </td>
                        <td class="num">{count(r.steps)}</td>
                        <td class="num">{count(r.tokens)}</td>
                        <td class="num">{usd(r.cost)}</td>
                        <td class="num">{seconds(r.durationSeconds)}</td>
                        <td>
                          <time dateTime={r.created}>{dateTime(r.created)}</time>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {data.total > data.runs.length && (
                <p>
                  <a href={moreHref}>
                    Showing {data.runs.length} of {data.total}: show more
                  </a>
                </p>
              )}
            </>
          )
        }
      </Loaded>
    </section>
  );
}

const LOG_PAGE_SIZE = 50;

export function AgentRunsPage({ place }: { place: Place }) {
  const query = new URLSearchParams(place.search);
  const q = query.get("q") ?? "";
  const pages = Math.max(1, Number(query.get("pages") ?? "1") || 1);
  return (
    <main id="content">
      <h1>Agent runs</h1>
      <div class="toolbar" role="search">
        <TextFilter
          label="Filter runs by question or answer"
          placeholder="Filter runs"
          value={q}
          onChange={(v) => navigate(withQuery(place.pathname, place.search, { q: v || null, pages: null }), { replace: true })}
        />
      </div>
      <AgentRuns limit={LOG_PAGE_SIZE * pages} q={q || undefined} moreHref={withQuery(place.pathname, place.search, { pages: String(pages + 1) })} />
    </main>
  );
}
