// /ui/: every experiment of the store, newest first, grouped by project and dataset, with the filters in the
// address; select two or more to compare them. The agent runs follow in a list of their own.
import { useState } from "preact/hooks";
import { viewerLinks } from "../../../src/viewer/links.js";
import type { ExperimentList, ExperimentSummary } from "../../../src/viewer/schemas.js";
import { api } from "../api/client.js";
import { useResource } from "../api/useResource.js";
import { Estimate } from "../components/Estimate.js";
import { Loaded } from "../components/Status.js";
import { TextFilter } from "../components/TextFilter.js";
import { count, dateTime, usd } from "../lib/format.js";
import { navigate, withQuery, type Place } from "../lib/router.js";
import { AgentRuns } from "./AgentRunsPage.js";

const PAGE_SIZE = 50;

interface Group {
  key: string;
  project: string;
  dataset: string | null;
  experiments: ExperimentSummary[];
}

/** Experiments by (project, dataset), groups in the order of their newest experiment. */
export function groupExperiments(experiments: readonly ExperimentSummary[]): Group[] {
  const groups = new Map<string, Group>();
  for (const e of experiments) {
    const key = JSON.stringify([e.project, e.dataset?.id ?? null]);
    let group = groups.get(key);
    if (!group) {
      group = { key, project: e.project, dataset: e.dataset?.name ?? null, experiments: [] };
      groups.set(key, group);
    }
    group.experiments.push(e);
  }
  return [...groups.values()];
}

export function ExperimentsPage({ place }: { place: Place }) {
  const query = new URLSearchParams(place.search);
  const q = query.get("q") ?? "";
  const project = query.get("project") ?? undefined;
  const dataset = query.get("dataset") ?? undefined;
  const group = project ? JSON.stringify([project, dataset ?? null]) : "";
  const pages = Math.max(1, Number(query.get("pages") ?? "1") || 1);
  const key = JSON.stringify([q, project, dataset, pages]);
  const list = useResource(key, (signal) =>
    api.experiments({ q, project, dataset, limit: PAGE_SIZE * pages, offset: 0 }, signal),
  );
  const [selected, setSelected] = useState<string[]>([]);
  const set = (changes: Record<string, string | null>) => navigate(withQuery(place.pathname, place.search, changes), { replace: true });

  return (
    <main id="content">
      <h1>Experiments</h1>
      <div class="toolbar" role="search">
        <TextFilter label="Filter experiments by name, model, domain or dataset" placeholder="Filter experiments" value={q} onChange={(v) => set({ q: v || null, pages: null })} />
        {list.data && (
          <label>
            <span class="visually-hidden">Project and dataset</span>
            <select value={group} onChange={(e) => set(groupFilter((e.currentTarget).value))}>
              <option value="">All projects and datasets</option>
              {list.data.groups.map((g) => (
                <option key={`${g.project}/${g.dataset?.id}`} value={JSON.stringify([g.project, g.dataset?.id ?? null])}>
                  {g.project} · {g.dataset?.name ?? "no dataset"} ({g.experiments})
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <CompareBar selected={selected} experiments={list.data?.experiments ?? []} onClear={() => setSelected([])} />
      <Loaded resource={list}>
        {(data) => (
          <ExperimentGroups
            data={data}
            selected={selected}
            onToggle={(id) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]))}
            onMore={() => set({ pages: String(pages + 1) })}
            filtered={Boolean(q || project)}
          />
        )}
      </Loaded>
      <AgentRuns limit={10} moreHref={viewerLinks.logs()} />
    </main>
  );
}

/** The address's project and dataset parameters for a choice of the group select ("" for all). */
function groupFilter(value: string): Record<string, string | null> {
  if (!value) return { project: null, dataset: null, pages: null };
  const [project, dataset] = JSON.parse(value) as [string, string | null];
  return { project, dataset, pages: null };
}

function CompareBar({ selected, experiments, onClear }: { selected: string[]; experiments: readonly ExperimentSummary[]; onClear: () => void }) {
  const [baseline, setBaseline] = useState<string | null>(null);
  const names = new Map(experiments.map((e) => [e.id, e.name]));
  const base = baseline && selected.includes(baseline) ? baseline : selected[0];
  return (
    <div class="compare-bar" aria-live="polite">
      {selected.length < 2 ? (
        <span class="muted">Select two or more experiments to compare them.</span>
      ) : (
        <>
          <label>
            Baseline{" "}
            <select value={base} onChange={(e) => setBaseline((e.currentTarget).value)}>
              {selected.map((id) => (
                <option key={id} value={id}>
                  {names.get(id) ?? id}
                </option>
              ))}
            </select>
          </label>
          <a class="button primary" href={viewerLinks.compare(base, selected.filter((id) => id !== base))}>
            Compare {selected.length} experiments
          </a>
          <button type="button" class="link-button" onClick={onClear}>
            Clear selection
          </button>
        </>
      )}
    </div>
  );
}

function ExperimentGroups({
  data,
  selected,
  onToggle,
  onMore,
  filtered,
}: {
  data: ExperimentList;
  selected: string[];
  onToggle: (id: string) => void;
  onMore: () => void;
  filtered: boolean;
}) {
  if (data.experiments.length === 0) {
    return filtered ? (
      <p class="empty">No experiment matches these filters.</p>
    ) : (
      <div class="empty">
        <p>No experiments yet.</p>
        <p>
          Ingest tau2 results with <code>npm run ingest -- path/to/results.json</code> (or <code>POST /admin/ingest</code>), or run{" "}
          <code>npm run eval</code>; they appear here.
        </p>
      </div>
    );
  }
  return (
    <>
      <p class="muted">
        {data.experiments.length < data.total ? `${data.experiments.length} of ${data.total}` : data.total} experiment{data.total === 1 ? "" : "s"}, newest
        first.
      </p>
      {groupExperiments(data.experiments).map((g) => (
        <section key={g.key} class="group" aria-label={`${g.project}, ${g.dataset ?? "no dataset"}`}>
          <h2>
            {g.project} <span class="muted">· {g.dataset ?? "no dataset"}</span>
          </h2>
          <ExperimentTable experiments={g.experiments} selected={selected} onToggle={onToggle} />
        </section>
      ))}
      {data.experiments.length < data.total && (
        <button type="button" class="button" onClick={onMore}>
          Show {Math.min(PAGE_SIZE, data.total - data.experiments.length)} more
        </button>
      )}
    </>
  );
}

function ExperimentTable({ experiments, selected, onToggle }: { experiments: ExperimentSummary[]; selected: string[]; onToggle: (id: string) => void }) {
  return (
    <div class="table-scroll">
      <table class="data experiments">
        <thead>
          <tr>
            <th scope="col">
              <span class="visually-hidden">Compare</span>
            </th>
            <th scope="col">Name</th>
            <th scope="col">Dataset · domain</th>
            <th scope="col">Agent model</th>
            <th scope="col" class="num">
              Tasks
            </th>
            <th scope="col" class="num">
              Trials
            </th>
            <th scope="col">Avg reward [95% CI]</th>
            <th scope="col">pass^k [95% CI]</th>
            <th scope="col" class="num">
              Cost
            </th>
            <th scope="col">Date</th>
          </tr>
        </thead>
        <tbody>
          {experiments.map((e) => (
            <tr key={e.id}>
              <td>
                <input type="checkbox" checked={selected.includes(e.id)} onChange={() => onToggle(e.id)} aria-label={`Select ${e.name} to compare`} />
              </td>
              <th scope="row">
                <a href={viewerLinks.experiment(e.id)}>{e.name}</a>
                {e.source === "eval" && e.evaluator && <span class="badge">{e.evaluator}</span>}
              </th>
              <td>
                {e.dataset?.name ?? "–"}
                {e.domain && <span class="muted"> · {e.domain}</span>}
              </td>
              <td>{e.agentModel ?? "–"}</td>
              <td class="num">{count(e.tasks)}</td>
              <td class="num">{count(e.trials)}</td>
              <td>{e.avgReward ? <Estimate value={e.avgReward.value} ci={e.avgReward.ci} /> : "–"}</td>
              <td>
                <PassKList points={e.passHatK} />
              </td>
              <td class="num">{usd(e.cost)}</td>
              <td>
                <time dateTime={e.created}>{dateTime(e.created)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** pass^1 … pass^k: the first few shown, the rest folded. */
function PassKList({ points }: { points: ExperimentSummary["passHatK"] }) {
  if (points.length === 0) return <>–</>;
  const head = points.length <= 4 ? points : [points[0], points[1], points[points.length - 1]];
  const item = (p: (typeof points)[number]) => (
    <li key={p.k}>
      <span class="k">^{p.k}</span> <Estimate value={p.value} ci={p.ci} />
    </li>
  );
  return (
    <>
      <ul class="passk">{head.map(item)}</ul>
      {points.length > 4 && (
        <details>
          <summary>all {points.length}</summary>
          <ul class="passk">{points.map(item)}</ul>
        </details>
      )}
    </>
  );
}
