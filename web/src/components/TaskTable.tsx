// The tasks of one experiment: id, description, success rate, one cell per trial, cost, time and termination.
// Sorting and filtering are the API's (the address keeps them); the headers say which way the table is sorted.
import type { TaskPage, TaskRow, TaskSort } from "../../../src/viewer/schemas.js";
import { viewerLinks } from "../../../src/viewer/links.js";
import { excerpt, percent, seconds, usd } from "../lib/format.js";
import { TrialCell } from "./TrialCell.js";

export interface TableSort {
  sort: TaskSort;
  order: "asc" | "desc";
}

function trialDetail(t: TaskRow["trials"][number]): string {
  return [t.reward === null ? null : `reward ${t.reward}`, t.termination]
    .filter(Boolean)
    .join(", ");
}

export function TaskTable({
  experimentId,
  page,
  sort,
  onSort,
}: {
  experimentId: string;
  page: TaskPage;
  sort: TableSort;
  onSort: (sort: TableSort) => void;
}) {
  const header = (key: TaskSort, label: string, numeric = false) => {
    const active = sort.sort === key;
    const next: TableSort = { sort: key, order: active && sort.order === "asc" ? "desc" : "asc" };
    return (
      <th scope="col" class={numeric ? "num" : undefined} aria-sort={active ? (sort.order === "asc" ? "ascending" : "descending") : "none"}>
        <button type="button" class="sort" onClick={() => onSort(next)}>
          {label}
          <span aria-hidden="true" class="sort-mark">
            {active ? (sort.order === "asc" ? " ▲" : " ▼") : " ↕"}
          </span>
        </button>
      </th>
    );
  };
  return (
    <div class="table-scroll">
      <table class="data tasks">
        <thead>
          <tr>
            {header("task", "Task")}
            <th scope="col">Description</th>
            {header("success", "Success", true)}
            <th scope="col">Trials</th>
            {header("cost", "Cost", true)}
            {header("duration", "Time", true)}
            <th scope="col">Termination</th>
          </tr>
        </thead>
        <tbody>
          {page.tasks.map((t) => (
            <tr key={t.rowId}>
              <th scope="row">
                <a href={viewerLinks.trace("experiment", experimentId, t.rootSpanId)} aria-label={`task ${t.taskId}: open its trace`}>
                  {t.taskId}
                </a>
              </th>
              <td class="description" title={t.description ?? undefined}>
                {excerpt(t.description, 90)}
              </td>
              <td class="num">
                {percent(t.successRate, 0)}
                <span class="muted">
                  {" "}
                  {t.passed}/{t.counted}
                </span>
              </td>
              <td class="trials">
                {t.trials.map((c) => (
                  <TrialCell
                    key={c.index}
                    experimentId={experimentId}
                    taskId={t.taskId}
                    rootSpanId={t.rootSpanId}
                    trial={c.trial ?? c.index}
                    outcome={c.outcome}
                    spanId={c.spanId}
                    detail={trialDetail(c)}
                  />
                ))}
              </td>
              <td class="num">{usd(t.cost)}</td>
              <td class="num">{seconds(t.durationSeconds)}</td>
              <td>{t.termination ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
