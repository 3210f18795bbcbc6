// /ui/compare?baseline=<id>&candidate=<id>[&candidate=…]: per candidate, the paired difference with its interval
// and a plain verdict, the smallest difference these tasks could detect, the improved and regressed tasks, the
// tasks of one run only; the pass^k curves overlaid; and a heatmap of tasks × trials of both runs, by change.
import { useMemo } from "preact/hooks";
import type { CandidateComparison, CompareRow, Comparison, ExperimentSummary, RunTask } from "../../../src/viewer/schemas.js";
import { viewerLinks } from "../../../src/viewer/links.js";
import { api } from "../api/client.js";
import { useResource } from "../api/useResource.js";
import { PassKChart, curveStyle, type Curve } from "../components/PassKChart.js";
import { PassKTable } from "../components/PassKTable.js";
import { Loaded } from "../components/Status.js";
import { OutcomeKey, TrialCell } from "../components/TrialCell.js";
import { excerpt, interval, percent, points } from "../lib/format.js";
import { navigate, withQuery, type Place, type Route } from "../lib/router.js";

type CompareRoute = Extract<Route, { page: "compare" }>;

export function ComparePage({ route, place }: { route: CompareRoute; place: Place }) {
  const { baseline, candidates, differencesOnly } = route;
  const ready = baseline !== null && candidates.length > 0;
  const result = useResource(JSON.stringify([baseline, candidates, differencesOnly]), (signal) =>
    ready ? api.compare(baseline, candidates, differencesOnly, signal) : Promise.reject(new Error("Choose a baseline and at least one candidate.")),
  );
  return (
    <main id="content">
      <p class="crumbs">
        <a href={viewerLinks.experiments()}>Experiments</a> › comparison
      </p>
      {!ready ? (
        <div class="empty">
          <h1>Comparison</h1>
          <p>
            Choose a baseline and at least one candidate: select two or more experiments on the <a href={viewerLinks.experiments()}>experiments page</a>.
          </p>
        </div>
      ) : (
        <Loaded resource={result}>
          {(data) => (
            <ComparisonView
              data={data}
              differencesOnly={differencesOnly}
              onDifferencesOnly={(on) => navigate(withQuery(place.pathname, place.search, { differences: on ? "1" : null }), { replace: true })}
            />
          )}
        </Loaded>
      )}
    </main>
  );
}

function ComparisonView({ data, differencesOnly, onDifferencesOnly }: { data: Comparison; differencesOnly: boolean; onDifferencesOnly: (on: boolean) => void }) {
  const runs = [data.baseline, ...data.comparisons.map((c) => c.candidate)];
  const curves = useMemo<Curve[]>(() => runs.map((r) => ({ name: r.name, points: r.passHatK })), [data]);
  return (
    <>
      <h1>
        {data.comparisons.map((c) => c.candidate.name).join(", ")} <span class="muted">against</span> {data.baseline.name}
      </h1>
      {data.comparisons.map((c) => (
        <Verdict key={c.candidate.id} baseline={data.baseline} comparison={c} confidence={data.confidence} />
      ))}
      <section aria-labelledby="curves-heading">
        <h2 id="curves-heading">pass^k of each run</h2>
        <PassKChart curves={curves} />
        <PassKTable curves={curves} caption="pass^k of each run as a table" />
      </section>
      <section aria-labelledby="tasks-heading">
        <h2 id="tasks-heading">Tasks, trial by trial</h2>
        <div class="toolbar">
          <label class="checkbox">
            <input type="checkbox" checked={differencesOnly} onChange={(e) => onDifferencesOnly((e.currentTarget).checked)} />{" "}
            Differences only
          </label>
          <OutcomeKey outcomes={["passed", "failed", "partial", "errored", "excluded", "missing"]} />
        </div>
        {data.comparisons.map((c) => (
          <Heatmap key={c.candidate.id} baseline={data.baseline} comparison={c} runs={data.runs} showTitle={data.comparisons.length > 1} />
        ))}
      </section>
    </>
  );
}

export function verdictSentence(c: CandidateComparison, baseline: ExperimentSummary, confidence: number): string {
  const avg = c.statistics.find((s) => s.name === "avg_reward");
  if (!avg) return `${c.candidate.name} and ${baseline.name} share no task: nothing to compare.`;
  const level = `${Math.round(confidence * 100)}%`;
  if (c.verdict === "could be noise") {
    return `The difference in avg reward, ${points(avg.difference)} ${interval(avg.ci, 1, true)}, could be noise: its ${level} interval includes 0.`;
  }
  return `${c.candidate.name} is ${c.verdict} than ${baseline.name}: avg reward ${points(avg.difference)} ${interval(avg.ci, 1, true)}, and the ${level} interval leaves out 0.`;
}

function Verdict({ baseline, comparison: c, confidence }: { baseline: ExperimentSummary; comparison: CandidateComparison; confidence: number }) {
  return (
    <section class={`verdict verdict-${c.verdict.replace(/ /g, "-")}`} aria-labelledby={`verdict-${c.candidate.id}`}>
      <h2 id={`verdict-${c.candidate.id}`}>
        <a href={viewerLinks.experiment(c.candidate.id)}>{c.candidate.name}</a> <span class="muted">against</span> {baseline.name}:{" "}
        <strong class="verdict-word">{c.verdict}</strong>
      </h2>
      <p>{verdictSentence(c, baseline, confidence)}</p>
      <p class="muted">
        {c.minimumDetectableDifference === null
          ? "No shared task, so no difference could be detected."
          : `On these ${c.sharedTasks} shared tasks and their trials, a true difference smaller than about ${points(c.minimumDetectableDifference).replace("+", "±")} in success rate would usually go unseen (80% power, 5% two-sided).`}
      </p>
      <table class="data compact statistics">
        <caption class="visually-hidden">Paired statistics on the {c.sharedTasks} shared tasks</caption>
        <thead>
          <tr>
            <th scope="col">On {c.sharedTasks} shared tasks</th>
            <th scope="col" class="num">
              {baseline.name}
            </th>
            <th scope="col" class="num">
              {c.candidate.name}
            </th>
            <th scope="col">Difference [{Math.round(confidence * 100)}% CI]</th>
          </tr>
        </thead>
        <tbody>
          {c.statistics.map((s) => (
            <tr key={s.name}>
              <th scope="row">{s.name === "avg_reward" ? "avg reward" : s.name}</th>
              <td class="num">{percent(s.baseline)}</td>
              <td class="num">{percent(s.candidate)}</td>
              <td>
                {points(s.difference)} <span class="ci">{interval(s.ci, 1, true)}</span>
                {s.significant && <span class="badge">outside noise</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="changes">
        <TaskList title={`Improved (${c.improved.length})`} rows={c.improved} />
        <TaskList title={`Regressed (${c.regressed.length})`} rows={c.regressed} />
        <IdList title={`Only in ${baseline.name} (${c.onlyBaselineCount})`} ids={c.onlyBaseline} total={c.onlyBaselineCount} />
        <IdList title={`Only in ${c.candidate.name} (${c.onlyCandidateCount})`} ids={c.onlyCandidate} total={c.onlyCandidateCount} />
      </div>
    </section>
  );
}

function TaskList({ title, rows }: { title: string; rows: readonly CompareRow[] }) {
  return (
    <div>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul class="task-changes">
          {rows.map((r) => (
            <li key={r.taskId}>
              task <strong>{r.taskId}</strong> {percent(r.baselineRate, 0)} → {percent(r.candidateRate, 0)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function IdList({ title, ids, total }: { title: string; ids: readonly string[]; total: number }) {
  return (
    <div>
      <h3>{title}</h3>
      {ids.length === 0 ? <p class="muted">none</p> : <p class="id-list">{ids.join(", ")}{total > ids.length && ` and ${total - ids.length} more`}</p>}
    </div>
  );
}

const STATUS_TEXT: Record<CompareRow["status"], string> = {
  improved: "improved",
  regressed: "regressed",
  changed: "changed",
  same: "same",
  only_baseline: "baseline only",
  only_candidate: "candidate only",
};

function RunCells({ run, taskId, task, width }: { run: ExperimentSummary; taskId: string; task: RunTask | undefined; width: number }) {
  return (
    <td class="trials">
      {Array.from({ length: width }, (_, i) => {
        const cell = task?.trials[i];
        return (
          <TrialCell
            key={i}
            experimentId={run.id}
            run={run.name}
            taskId={taskId}
            rootSpanId={task?.rootSpanId ?? ""}
            trial={i}
            outcome={cell?.outcome ?? "missing"}
            spanId={cell?.spanId ?? null}
            detail={cell?.reward === null || cell?.reward === undefined ? undefined : `reward ${cell.reward}`}
          />
        );
      })}
    </td>
  );
}

function Heatmap({
  baseline,
  comparison: c,
  runs,
  showTitle,
}: {
  baseline: ExperimentSummary;
  comparison: CandidateComparison;
  runs: Comparison["runs"];
  showTitle: boolean;
}) {
  const base = runs[baseline.id] ?? {};
  const cand = runs[c.candidate.id] ?? {};
  const widthOf = (run: Record<string, RunTask>) => Math.max(0, ...c.rows.map((r) => run[r.taskId]?.trials.length ?? 0));
  const baseWidth = widthOf(base);
  const candWidth = widthOf(cand);
  const style = (i: number) => ({ borderTopColor: curveStyle(i).stroke });
  return (
    <div class="heatmap">
      {showTitle && <h3>{c.candidate.name}</h3>}
      {c.rows.length === 0 ? (
        <p class="empty">No task differs.</p>
      ) : (
        <div class="table-scroll">
          <table class="data heatmap-table">
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col" style={style(0)}>
                  {baseline.name}
                </th>
                <th scope="col" style={style(1)}>
                  {c.candidate.name}
                </th>
                <th scope="col" class="num">
                  Change
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {c.rows.map((r) => (
                <tr key={r.taskId} class={`status-${r.status}`}>
                  <th scope="row" title={r.description ?? undefined}>
                    {r.taskId}
                    {r.description && <span class="muted description"> {excerpt(r.description, 50)}</span>}
                  </th>
                  <RunCells run={baseline} taskId={r.taskId} task={base[r.taskId]} width={baseWidth} />
                  <RunCells run={c.candidate} taskId={r.taskId} task={cand[r.taskId]} width={candWidth} />
                  <td class="num">{points(r.change, 0)}</td>
                  <td>{STATUS_TEXT[r.status]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {c.rows.length < c.rowsTotal && <p class="muted">The first {c.rows.length} of {c.rowsTotal} tasks.</p>}
    </div>
  );
}
