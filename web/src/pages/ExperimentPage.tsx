// /ui/experiments/<id>: the headline numbers, the pass^k curve with its band, and the table of tasks with their
// trials (sortable; filters "failing", "flaky" and text, all kept in the address).
import { useMemo } from "preact/hooks";
import { viewerLinks } from "../../../src/viewer/links.js";
import type { TaskFilter, TaskSort } from "../../../src/viewer/schemas.js";
import { api } from "../api/client.js";
import { useResource } from "../api/useResource.js";
import { Headline } from "../components/Headline.js";
import { PassKChart, type Curve } from "../components/PassKChart.js";
import { PassKTable } from "../components/PassKTable.js";
import { Loaded } from "../components/Status.js";
import { TaskTable, type TableSort } from "../components/TaskTable.js";
import { TextFilter } from "../components/TextFilter.js";
import { OutcomeKey } from "../components/TrialCell.js";
import { navigate, withQuery, type Place } from "../lib/router.js";

const TASK_PAGE_SIZE = 200;
const FILTERS: { value: TaskFilter; label: string; hint: string }[] = [
  { value: "all", label: "All", hint: "every task" },
  { value: "failing", label: "Failing", hint: "no trial passed" },
  { value: "flaky", label: "Flaky", hint: "some trials passed, some did not" },
  { value: "passing", label: "Passing", hint: "every trial passed" },
];
const SORTS: readonly TaskSort[] = ["task", "success", "cost", "duration"];

export function ExperimentPage({ id, place }: { id: string; place: Place }) {
  const query = new URLSearchParams(place.search);
  const filter = (FILTERS.find((f) => f.value === query.get("filter"))?.value ?? "all");
  const q = query.get("q") ?? "";
  const sort: TableSort = {
    sort: SORTS.find((s) => s === query.get("sort")) ?? "task",
    order: query.get("order") === "desc" ? "desc" : "asc",
  };
  const pages = Math.max(1, Number(query.get("pages") ?? "1") || 1);
  const detail = useResource(id, (signal) => api.experiment(id, signal));
  const tasks = useResource(JSON.stringify([id, filter, q, sort, pages]), (signal) =>
    api.tasks(id, { filter, q: q || undefined, sort: sort.sort, order: sort.order, limit: TASK_PAGE_SIZE * pages }, signal),
  );
  const set = (changes: Record<string, string | null>) => navigate(withQuery(place.pathname, place.search, changes), { replace: true });
  const curves = useMemo<Curve[]>(
    () => (detail.data ? [{ name: detail.data.experiment.name, points: detail.data.experiment.passHatK }] : []),
    [detail.data],
  );

  return (
    <main id="content">
      <Loaded resource={detail}>
        {({ experiment }) => (
          <>
            <p class="crumbs">
              <a href={viewerLinks.experiments()}>Experiments</a> › {experiment.project}
            </p>
            <h1>{experiment.name}</h1>
            {experiment.description && <p class="muted">{experiment.description}</p>}
            <Headline experiment={experiment} />
            <section aria-labelledby="passk-heading" class="passk-section">
              <h2 id="passk-heading">pass^k</h2>
              <PassKChart curves={curves} />
              <PassKTable curves={curves} caption="pass^k as a table" />
            </section>
          </>
        )}
      </Loaded>
      <section aria-labelledby="tasks-heading">
        <h2 id="tasks-heading">Tasks</h2>
        <div class="toolbar">
          <div role="group" aria-label="Show tasks" class="segmented">
            {FILTERS.map((f) => {
              const n = f.value === "all" ? tasks.data?.totalTasks : tasks.data?.counts[f.value];
              return (
                <button
                  key={f.value}
                  type="button"
                  aria-pressed={filter === f.value}
                  title={f.hint}
                  onClick={() => set({ filter: f.value === "all" ? null : f.value, pages: null })}
                >
                  {f.label}
                  {n !== undefined && <span class="count"> {n}</span>}
                </button>
              );
            })}
          </div>
          <TextFilter label="Filter tasks by id or description" placeholder="Filter tasks" value={q} onChange={(v) => set({ q: v || null, pages: null })} />
        </div>
        <OutcomeKey outcomes={["passed", "failed", "partial", "errored", "excluded"]} />
        <Loaded resource={tasks}>
          {(page) => (
            <>
              {page.tasks.length === 0 ? (
                <p class="empty">No task matches.</p>
              ) : (
                <TaskTable
                  experimentId={id}
                  page={page}
                  sort={sort}
                  onSort={(s) => set({ sort: s.sort === "task" ? null : s.sort, order: s.order === "asc" ? null : s.order })}
                />
              )}
              <p class="muted" aria-live="polite">
                {page.total === page.totalTasks ? `${page.total} tasks` : `${page.total} of ${page.totalTasks} tasks`}
                {page.tasks.length < page.total && ` (first ${page.tasks.length} shown)`}
              </p>
              {page.tasks.length < page.total && (
                <button type="button" class="button" onClick={() => set({ pages: String(pages + 1) })}>
                  Show more tasks
                </button>
              )}
            </>
          )}
        </Loaded>
      </section>
    </main>
  );
}
