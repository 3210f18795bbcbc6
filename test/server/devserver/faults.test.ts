// A misbehaving Braintrust during an eval: slow, 5xx, dropped connections. Safe calls are retried; what
// cannot be saved ends the run with an error that says so; no row is lost silently or written twice.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cases, testRegistry } from "../../support/evaluators.js";
import { postEval, startService, type RunningService } from "../../support/service.js";

let svc: RunningService;
beforeAll(async () => {
  svc = await startService({ deps: { registry: testRegistry() } });
});
afterAll(() => svc.close());
beforeEach(() => svc.fake.reset());

const eval20 = { name: "peer-demo", stream: true, data: { data: cases(20) } };
const kinds = (rows: Record<string, unknown>[]) =>
  rows.map((r) => (r.span_attributes as { type: string }).type).sort().join(",");

async function runAndCheckRows() {
  const r = await postEval(svc, eval20);
  expect(r.events.map((e) => e.event).slice(-2)).toEqual(["summary", "done"]);
  const summary = JSON.parse(r.events.at(-2)!.data);
  const rows = svc.fake.rows({ experiment_id: summary.experimentId });
  // Exactly one eval, task and score row per case: nothing lost, nothing duplicated by a retry.
  expect(rows).toHaveLength(60);
  expect(new Set(rows.map((row) => row.id)).size).toBe(60);
  const root = rows.find((row) => row.input === "item 7" && (row.span_attributes as { type: string }).type === "eval")!;
  expect(kinds(rows.filter((row) => row.root_span_id === root.root_span_id))).toBe("eval,score,task");
  expect(summary.scores.exact_match.score).toBe(1);
  return r;
}

describe("Braintrust faults during an eval", () => {
  it("5xx on /logs3 twice: the SDK's retries land every row once", async () => {
    svc.fake.fail("/logs3", { status: 503, times: 2 });
    await runAndCheckRows();
    expect(svc.fake.callsTo("/logs3").filter((c) => c.status === 503)).toHaveLength(2);
  });

  it("a dropped /logs3 connection is retried", async () => {
    svc.fake.drop("/logs3", 1);
    await runAndCheckRows();
  });

  it("a slow Braintrust only slows the run down", async () => {
    svc.fake.delay("/logs3", 300, 3);
    svc.fake.delay("/api/experiment/register", 300, 1);
    await runAndCheckRows();
  });

  it("rows Braintrust keeps refusing end the run with an error naming the failure, then done", async () => {
    svc.fake.fail("/logs3", { status: 500, times: 1000 });
    const r = await postEval(svc, eval20);
    const names = r.events.map((e) => e.event);
    expect(names.slice(-2)).toEqual(["error", "done"]);
    expect(names).not.toContain("summary");
    expect(JSON.parse(r.events.at(-2)!.data).message).toMatch(/Braintrust did not accept some of this run's rows/);
  });

  it("a failing experiment registration is an error event, and the next eval works", async () => {
    svc.fake.fail("/api/experiment/register", { status: 500, times: 1 });
    const r = await postEval(svc, eval20);
    expect(r.events.map((e) => e.event)).toEqual(["error", "done"]);
    await runAndCheckRows();
  });
});
