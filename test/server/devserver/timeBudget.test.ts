// EVAL_TIME_BUDGET_MS: a run that would outlast the platform's cut of web requests ends itself first. With a 5 s
// budget the cut is at 4 s: the cases still running then are stopped through their signal, those never started are
// reported as not run, and every one of them has its progress event and its row in Braintrust before `summary` and
// `done`. The assertions are about what arrives and in what order, never about how long it took.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EvaluatorRegistry } from "../../../src/evals/runtime/registry.js";
import type { TaskHooks } from "../../../src/evals/runtime/types.js";
import { exact_match } from "../../support/evaluators.js";
import { postEval, startService, type RunningService, type SseEvent } from "../../support/service.js";

const BUDGET_MS = 5_000;
const STOPPED = "stopped: this eval's 5 s time budget ran out before the case finished";
const NOT_RUN = "not run: this eval's 5 s time budget ran out";

const signals = new Map<string, AbortSignal>();
const registry = new EvaluatorRegistry();
// Two cases at a time; a `hang…` case runs until its signal stops it, any other answers at once.
registry.register("budget-demo", {
  data: () => [],
  task: (input: string, hooks: TaskHooks) => {
    signals.set(input, hooks.signal);
    if (!input.startsWith("hang")) return input.toUpperCase();
    return new Promise((_, reject) => hooks.signal.addEventListener("abort", () => reject(hooks.signal.reason), { once: true }));
  },
  scores: [exact_match],
  maxConcurrency: 2,
});

// ok0 and hang1 start; ok0 ends and hang2 takes its place; both hang until the cut, so ok3 and ok4 never start.
const data = { data: ["ok0", "hang1", "hang2", "ok3", "ok4"].map((input) => ({ input, expected: input.toUpperCase() })) };
const parent = { object_type: "playground_logs", object_id: "0c1b5b2e-6d5e-4c55-9d5a-2b1f3e9a7c12" };

let svc: RunningService;
beforeAll(async () => {
  svc = await startService({ deps: { registry }, config: { EVAL_TIME_BUDGET_MS: String(BUDGET_MS) } });
});
afterAll(() => svc?.close());
beforeEach(() => {
  svc.fake.reset();
  signals.clear();
});

const type = (row: Record<string, unknown>) => (row.span_attributes as { type?: string } | undefined)?.type;
const errorText = (row: Record<string, unknown>) => JSON.stringify(row.error ?? null);

/** Each case's input and what its row and its progress event (if any) say. */
function outcomes(rows: Record<string, unknown>[], events: SseEvent[] = []) {
  const progress = new Map(
    events
      .filter((e) => e.event === "progress")
      .map((e) => JSON.parse(e.data) as { id: string; event: string; data: string })
      .map((p) => [p.id, p]),
  );
  return Object.fromEntries(
    rows
      .filter((row) => type(row) === "eval")
      .map((row) => [row.input as string, { row: row.error === undefined ? "output" : errorText(row), progress: progress.get(row.id as string) }]),
  );
}

describe("an eval that outlasts EVAL_TIME_BUDGET_MS", () => {
  it("streams every case (finished, stopped or not run), logs every row, then summary and done (Playground)", async () => {
    const r = await postEval(svc, { name: "budget-demo", stream: true, parent, data });
    expect(r.status).toBe(200);
    const names = r.events.map((e) => e.event);
    expect(names).toEqual(["progress", "progress", "progress", "progress", "progress", "summary", "done"]);

    // Each row landed before the summary was sent, with its error; each progress event has its row's id.
    const cases = outcomes(svc.fake.rows({ prompt_session_id: parent.object_id }), r.events);
    expect(Object.keys(cases).sort()).toEqual(["hang1", "hang2", "ok0", "ok3", "ok4"]);
    expect(cases.ok0).toMatchObject({ row: "output", progress: { event: "json_delta", data: '"OK0"' } });
    for (const input of ["hang1", "hang2"]) {
      expect(cases[input].row).toContain(STOPPED);
      expect(cases[input].progress).toMatchObject({ event: "error", data: STOPPED });
    }
    for (const input of ["ok3", "ok4"]) {
      expect(cases[input].row).toContain(NOT_RUN);
      expect(cases[input].progress).toMatchObject({ event: "error", data: NOT_RUN });
    }
    // The running cases were stopped through their signal; the others never started.
    expect([...signals.keys()].sort()).toEqual(["hang1", "hang2", "ok0"]);
    expect(signals.get("hang1")!.aborted && signals.get("hang2")!.aborted).toBe(true);
    // The summary scores the case that finished.
    expect(JSON.parse(r.events.at(-2)!.data).scores.exact_match.score).toBe(1);
  });

  it("does the same in JSON mode: the summary, and every case's row with what happened to it", async () => {
    const res = await fetch(`${svc.base}/eval`, {
      method: "POST",
      headers: { ...svc.auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "budget-demo", data }),
    });
    expect(res.status).toBe(200);
    const summary = await res.json();
    expect(summary.scores.exact_match.score).toBe(1);
    const experiment = svc.fake.experimentByName(summary.experimentName)!;
    const cases = outcomes(svc.fake.rows({ experiment_id: experiment.id }));
    expect(Object.fromEntries(Object.entries(cases).map(([input, c]) => [input, c.row.replace(/^.*(stopped|not run).*$/, "$1")]))).toEqual({
      ok0: "output",
      hang1: "stopped",
      hang2: "stopped",
      ok3: "not run",
      ok4: "not run",
    });
  });

  it("sends summary and done at the budget's end even when Braintrust is too slow to take the last rows", async () => {
    // Every row upload takes longer than the reserve after the cut: the stopped and not-run cases' rows cannot land
    // before the budget ends. The stream still ends, and the rows land afterwards.
    svc.fake.delay("/logs3", BUDGET_MS);
    const r = await postEval(svc, { name: "budget-demo", stream: true, data: { data: data.data.slice(0, 3) } });
    expect(r.events.map((e) => e.event)).toEqual(["start", "progress", "progress", "progress", "summary", "done"]);
    const summary = JSON.parse(r.events.at(-2)!.data);
    // Experiment mode without Braintrust's own summary: the experiment's names and links, scores counted here.
    expect(summary).toMatchObject({ experimentName: JSON.parse(r.events[0].data).experimentName, scores: { exact_match: { score: 1 } } });
    expect(summary.experimentUrl).toEqual(expect.any(String));
    const experiment = svc.fake.experimentByName(summary.experimentName)!;
    const stoppedRows = () => svc.fake.rows({ experiment_id: experiment.id }).filter((row) => type(row) === "eval" && row.error !== undefined);
    expect(stoppedRows()).toHaveLength(0);
    await expect.poll(() => stoppedRows().length, { timeout: 4 * BUDGET_MS, interval: 200 }).toBe(2);
  }, 6 * BUDGET_MS);
});

describe("an eval that fits its budget", () => {
  it("is untouched: the same events and rows as without a budget", async () => {
    const fits = { data: ["a", "b", "c"].map((input) => ({ input, expected: input.toUpperCase() })) };
    const r = await postEval(svc, { name: "budget-demo", stream: true, data: fits });
    expect(r.events.map((e) => e.event)).toEqual(["start", "progress", "progress", "progress", "summary", "done"]);
    const progress = r.events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data));
    expect(progress.map((p) => [p.event, p.data]).sort()).toEqual([
      ["json_delta", '"A"'],
      ["json_delta", '"B"'],
      ["json_delta", '"C"'],
    ]);
    const summary = JSON.parse(r.events.at(-2)!.data);
    const rows = svc.fake.rows({ experiment_id: svc.fake.experimentByName(summary.experimentName)!.id });
    expect(rows.filter((row) => row.error !== undefined)).toEqual([]);
    expect(summary.scores.exact_match.score).toBe(1);
    expect([...signals.values()].some((s) => s.aborted)).toBe(false);
  });
});
