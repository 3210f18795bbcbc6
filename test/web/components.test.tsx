// The pages' parts rendered in a DOM: what a reader (and a screen reader) finds in them.
import { cleanup, fireEvent, render, screen, within } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { viewerLinks } from "../../src/viewer/links.js";
import { chartOptions, curveData, PassKChart } from "../../web/src/components/PassKChart.js";
import { contextSpan, indexTrace, Reading, readingView, type SpanLinker } from "../../web/src/components/Reading.js";
import { TaskTable } from "../../web/src/components/TaskTable.js";
import { Value } from "../../web/src/components/Value.js";
import { Waterfall } from "../../web/src/components/Waterfall.js";
import { waterfall } from "../../web/src/lib/spanTree.js";
import { groupExperiments } from "../../web/src/pages/ExperimentsPage.js";
import { verdictSentence } from "../../web/src/pages/ComparePage.js";
import type { Trace } from "../../src/viewer/schemas.js";
import { agentTrace, comparison, evalTrace, experimentSummary, taskPage, tau2Trace } from "./fixtures.js";

afterEach(cleanup);

describe("task table", () => {
  const page = taskPage({ "11": "pfx", "12": "ff" });

  it("names every trial cell by task, trial and outcome, and links it to the trial's span", () => {
    render(<TaskTable experimentId="exp-1" page={page} sort={{ sort: "task", order: "asc" }} onSort={() => {}} />);
    const passed = screen.getByRole("link", { name: "task 11, trial 0: passed" });
    expect(passed.getAttribute("href")).toBe(viewerLinks.trace("experiment", "exp-1", "root-11", "trial-11-0"));
    expect(passed.textContent).toBe("✓");
    expect(screen.getByRole("link", { name: "task 11, trial 1: failed" }).textContent).toBe("✗");
    expect(screen.getByRole("link", { name: "task 11, trial 2: excluded from the metrics" }).className).toContain("cell-excluded");
    expect(screen.getAllByRole("link", { name: /^task 12, trial \d: failed$/ })).toHaveLength(2);
    // The task's own link opens the whole trace.
    expect(screen.getByRole("link", { name: "task 12: open its trace" }).getAttribute("href")).toBe(viewerLinks.trace("experiment", "exp-1", "root-12"));
  });

  it("says which column it is sorted by and asks for the other order on a second click", () => {
    const asked: unknown[] = [];
    render(<TaskTable experimentId="exp-1" page={page} sort={{ sort: "success", order: "asc" }} onSort={(s) => asked.push(s)} />);
    const success = screen.getByRole("columnheader", { name: /Success/ });
    expect(success.getAttribute("aria-sort")).toBe("ascending");
    expect(screen.getByRole("columnheader", { name: /Cost/ }).getAttribute("aria-sort")).toBe("none");
    fireEvent.click(within(success).getByRole("button"));
    fireEvent.click(screen.getByRole("button", { name: /Cost/ }));
    expect(asked).toEqual([
      { sort: "success", order: "desc" },
      { sort: "cost", order: "asc" },
    ]);
  });
});

describe("values", () => {
  it("folds a long value and shows all of it on request", () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    render(<Value value={long} />);
    expect(screen.queryByText(/line 39/)).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: /Show all \(40 lines/ }));
    expect(screen.getByText(/line 39/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Fold" }).getAttribute("aria-expanded")).toBe("true");
  });
});

function traceParts(trace: Trace, selectedId?: string) {
  const tree = waterfall(trace.spans);
  const index = indexTrace(trace.spans, tree.rows);
  const selected = (selectedId && index.byId.get(selectedId)) || index.root;
  const context = contextSpan(trace.kind, index, selected);
  return { tree, index, selected, context, view: readingView(trace.kind, index, context) };
}

const linker = (picked: string[] = []): SpanLinker => ({ href: (id) => `#${id}`, select: (id) => picked.push(id) });

describe("waterfall", () => {
  it("folds the trials not selected, and unfolds, moves and selects by keyboard", () => {
    const trace = tau2Trace(3, [1, 0, 1]);
    const { tree } = traceParts(trace);
    const picked: string[] = [];
    render(<Waterfall rows={tree.rows} selected="trial-1" onSelect={(id) => picked.push(id)} />);
    const rows = () => screen.getAllByRole("listitem");
    // The root, three trials, and the selected trial's four turns.
    expect(rows()).toHaveLength(1 + 3 + 4);
    const trial0 = screen.getByRole("button", { name: /^task\s*trial 0$/ });
    expect(trial0.getAttribute("aria-expanded")).toBe("false");
    fireEvent.keyDown(trial0, { key: "ArrowRight" });
    expect(rows()).toHaveLength(1 + 3 + 8);
    fireEvent.keyDown(trial0, { key: "ArrowDown" });
    expect(document.activeElement?.textContent).toContain("Hi! How can I help");
    fireEvent.click(document.activeElement as HTMLElement);
    expect(picked).toEqual(["trial-0.0"]);
    fireEvent.click(screen.getByRole("button", { name: "Fold trial 1 (4 spans)" }));
    expect(rows()).toHaveLength(1 + 3 + 4);
  });
});

describe("reading a trace", () => {
  it("shows a tau2 trial as a conversation: agent, user, tool calls with arguments, results", () => {
    const trace = tau2Trace(2, [1, 0]);
    const { index, selected, context, view } = traceParts(trace, "trial-1");
    expect(view).toBe("tau2-trial");
    render(<Reading view={view!} index={index} context={context} selected={selected} linker={linker()} />);
    expect(screen.getByText(/failed/)).toBeTruthy();
    expect(screen.getAllByRole("article", { name: "Agent message" })).toHaveLength(2);
    expect(screen.getByRole("article", { name: "User message" }).textContent).toContain("I need to move my flight (trial 1).");
    // The agent's call, and the arguments again with the tool's result.
    const calls = screen.getAllByLabelText("Arguments of get_reservation_details");
    expect(calls.map((c) => c.textContent)).toEqual(Array(2).fill('{\n  "reservation_id": "ABC123"\n}'));
    expect(screen.getByLabelText("Result of get_reservation_details").textContent).toContain('"destination": "JFK"');
  });

  it("reads a selected turn within its conversation", () => {
    const trace = tau2Trace(2, [1, 0]);
    const { index, selected, context, view } = traceParts(trace, "trial-0.1");
    expect(context.spanId).toBe("trial-0");
    render(<Reading view={view!} index={index} context={context} selected={selected} linker={linker()} />);
    expect(screen.getByRole("article", { name: "User message" }).className).toContain("selected");
  });

  it("shows a tau2 task with its trials as links, its scenario and its criteria", () => {
    const picked: string[] = [];
    const { index, selected, context, view } = traceParts(tau2Trace(2, [1, 0]));
    expect(view).toBe("tau2-task");
    render(<Reading view={view!} index={index} context={context} selected={selected} linker={linker(picked)} />);
    fireEvent.click(screen.getByRole("link", { name: /trial 1: failed/ }));
    expect(picked).toEqual(["trial-1"]);
    expect(screen.getByText(/move your flight to May 20/)).toBeTruthy();
    expect(screen.getByText(/update_reservation_flights/)).toBeTruthy();
  });

  it("shows an agent run: question, answer, submitted SQL, result table, score, and its steps", () => {
    const { index, selected, context, view } = traceParts(agentTrace());
    expect(view).toBe("agent-run");
    render(<Reading view={view!} index={index} context={context} selected={selected} linker={linker()} />);
    expect(screen.getByText("How many customers are in Germany?")).toBeTruthy();
    expect(screen.getByText("There are 11 customers in Germany.")).toBeTruthy();
    expect(document.querySelector("pre.sql")?.textContent).toBe("SELECT COUNT(*) AS n FROM customers WHERE country = 'Germany'");
    const table = document.querySelector("table.result-table")!;
    expect(within(table as HTMLElement).getByRole("columnheader").textContent).toBe("n");
    expect(within(table as HTMLElement).getByRole("cell").textContent).toBe("11");
    expect(screen.getByText("sql_correctness").parentElement?.textContent).toBe("sql_correctness: 1");
    expect(screen.getByRole("article", { name: "Model call" }).textContent).toContain("bash");
    expect(screen.getByLabelText("Result of bash").textContent).toContain("CREATE TABLE customers");
  });

  it("shows an eval case: input, output, expected and scores", () => {
    const { index, selected, context, view } = traceParts(evalTrace());
    expect(view).toBe("eval-case");
    render(<Reading view={view!} index={index} context={context} selected={selected} linker={linker()} />);
    for (const heading of ["Input", "Output", "Expected", "Scores"]) expect(screen.getByRole("heading", { name: heading })).toBeTruthy();
    expect(screen.getByText(/SELECT name FROM artists LIMIT 3/)).toBeTruthy();
    expect(screen.getByRole("link", { name: "sql_correctness" })).toBeTruthy();
  });
});

describe("pass^k chart", () => {
  it("aligns each run's value and interval on k, null past a run's max k", () => {
    const a = { name: "a", points: [{ k: 1, value: 0.5, ci: [0.4, 0.6] as [number, number] }, { k: 2, value: 0.3, ci: null }] };
    const b = { name: "b", points: [{ k: 1, value: 0.7, ci: [0.6, 0.8] as [number, number] }] };
    expect(curveData([a, b])).toEqual([[1, 2], [0.5, 0.3], [0.4, null], [0.6, null], [0.7, null], [0.6, null], [0.8, null]]);
    const options = chartOptions([a, b], 500);
    expect(options.series.map((s) => s.label)).toEqual(["k", "a", "a low", "a high", "b", "b low", "b high"]);
    // Each band fills from the interval's high series down to its low one.
    expect(options.bands?.map((band) => band.series)).toEqual([
      [3, 2],
      [6, 5],
    ]);
  });

  it("describes the curve's numbers for screen readers", () => {
    render(<PassKChart curves={[{ name: "grok-3", points: experimentSummary().passHatK }]} />);
    expect(screen.getByRole("img").getAttribute("aria-label")).toContain("grok-3: pass^1 50.0% [25.0, 75.0], pass^2 40.0% [15.0, 65.0]");
  });
});

describe("experiments and comparisons", () => {
  it("groups experiments by project and dataset, newest group first", () => {
    const list = [
      experimentSummary({ id: "3", project: "p", dataset: { id: "d1", name: "one" } }),
      experimentSummary({ id: "2", project: "p", dataset: { id: "d2", name: "two" } }),
      experimentSummary({ id: "1", project: "p", dataset: { id: "d1", name: "one" } }),
      experimentSummary({ id: "0", project: "q", dataset: null }),
    ];
    expect(groupExperiments(list).map((g) => [g.project, g.dataset, g.experiments.map((e) => e.id)])).toEqual([
      ["p", "one", ["3", "1"]],
      ["p", "two", ["2"]],
      ["q", null, ["0"]],
    ]);
  });

  it("says the verdict in plain words", () => {
    const data = comparison();
    const c = data.comparisons[0];
    expect(verdictSentence(c, data.baseline, 0.95)).toBe("The difference in avg reward, 0.0 pt [-50.0, +50.0], could be noise: its 95% interval includes 0.");
    const better = { ...c, verdict: "better" as const, statistics: [{ ...c.statistics[0], difference: 0.12, ci: [0.04, 0.2] as [number, number], significant: true }] };
    expect(verdictSentence(better, data.baseline, 0.95)).toBe(
      "airline grok-3 is better than airline grok-3-mini: avg reward +12.0 pt [+4.0, +20.0], and the 95% interval leaves out 0.",
    );
  });
});
