// Proves the fake Braintrust against the real SDK over real sockets, so other suites can trust what it records.
import { flush, initDataset, initExperiment, loginToState, type BraintrustState, type Experiment } from "braintrust";
import { beforeEach, describe, expect, it } from "vitest";
import { SEEDED_DATASET_ID, useFakeBraintrust } from "./fakeBraintrust.js";

const fake = useFakeBraintrust({ seededDataset: { rows: 25 } });
let state: BraintrustState;

beforeEach(async () => {
  state = await loginToState({ apiKey: "sk-test", appUrl: fake.url, orgName: fake.orgName });
});

describe("fake Braintrust with the real SDK", () => {
  it("logs in valid tokens and points the API and proxy at itself", () => {
    expect(state.orgId).toBe(fake.orgId);
    expect(state.orgName).toBe("test-org");
    expect(state.apiUrl).toBe(fake.url);
    expect(state.proxyUrl).toBe(fake.url);
    expect(fake.callsTo("/api/apikey/login")[0]?.headers.authorization).toBe("Bearer sk-test");
  });

  it("rejects unknown tokens and unknown orgs", async () => {
    await expect(loginToState({ apiKey: "sk-wrong", appUrl: fake.url, orgName: fake.orgName })).rejects.toThrow(/401/);
    await expect(loginToState({ apiKey: "sk-test", appUrl: fake.url, orgName: "other-org" })).rejects.toThrow(
      /other-org/,
    );
    expect(fake.callsTo("/api/apikey/login").map((c) => c.status)).toEqual([200, 401, 200]);
  });

  it("stores experiment spans merged by id and summarizes their scores", async () => {
    const experiment = initExperiment("proj", { state, experiment: "exp-a", setCurrent: false });
    for (const [i, score] of [1, 0, 1, 1].entries()) {
      const root = experiment.startSpan({ name: "eval", event: { input: { i }, expected: "x", id: `case-${i}` } });
      const child = root.startSpan({ name: "task", type: "task" });
      child.log({ output: "x" });
      child.end();
      root.log({ output: i, scores: { exact: score } });
      root.end();
    }
    const summary = await experiment.summarize();
    const exp = fake.experimentByName("exp-a")!;
    expect(exp.project_id).toBe(fake.projectByName("proj")!.id);
    const rows = fake.rows({ experiment_id: exp.id });
    expect(rows).toHaveLength(8);
    const root2 = rows.find((r) => r.id === "case-2")!;
    expect(root2).toMatchObject({ input: { i: 2 }, expected: "x", output: 2, scores: { exact: 1 } });
    expect(summary.scores.exact?.score).toBe(0.75);
    expect(summary.metrics?.duration?.metric).toBeGreaterThanOrEqual(0);
    expect(summary.experimentUrl).toBe(`${fake.url}/app/test-org/p/proj/experiments/exp-a`);
    expect(fake.callsTo("/api/base_experiment/get_id")[0]?.status).toBe(400);
  });

  it("reuses an experiment with update and suffixes a duplicate name without it", async () => {
    const first = initExperiment("proj", { state, experiment: "same", setCurrent: false });
    await first.id; // registration is lazy: the order of the awaits is the order of the registrations
    const again = initExperiment("proj", { state, experiment: "same", update: true, setCurrent: false });
    const fresh = initExperiment("proj", { state, experiment: "same", setCurrent: false });
    expect(await again.id).toBe(await first.id);
    expect(await fresh.id).not.toBe(await first.id);
    expect(await fresh.name).toBe("same-1");
  });

  it("compares against a base experiment named at registration", async () => {
    const log = (experiment: Experiment, scores: number[]) => {
      for (const [i, s] of scores.entries()) experiment.startSpan({ event: { id: `c${i}`, input: i, scores: { acc: s } } }).end();
    };
    const base = initExperiment("proj", { state, experiment: "base", setCurrent: false });
    log(base, [0, 0, 1, 1]);
    await base.flush();
    const next = initExperiment("proj", { state, experiment: "next", baseExperiment: "base", setCurrent: false });
    log(next, [1, 1, 1, 0]);
    const summary = await next.summarize();
    expect(fake.experimentByName("next")!.base_exp_id).toBe(await base.id);
    expect(summary.comparisonExperimentName).toBe("base");
    expect(summary.scores.acc).toMatchObject({ score: 0.75, diff: 0.25 });
    expect(fake.callsTo("/experiment-comparison2").at(-1)!.query.base_experiment_id).toBe(await base.id);
  });

  it("registers experiments by project_id only for projects it knows", async () => {
    const known = fake.addProject("by-id", "0000000b-0000-4000-8000-000000000001");
    const experiment = initExperiment({ state, projectId: known.id, experiment: "e", setCurrent: false });
    expect((await experiment.project).name).toBe("by-id");
    const unknown = initExperiment({ state, projectId: "0000000b-0000-4000-8000-000000000099", setCurrent: false });
    await expect(unknown.id).rejects.toThrow(/404/);
  });

  it("fails experiment registration for fail-register names", async () => {
    const experiment = initExperiment("proj", { state, experiment: "fail-register-1", setCurrent: false });
    await expect(experiment.id).rejects.toThrow(/500/);
  });

  it("inserts dataset rows with our ids and reads them back", async () => {
    const dataset = initDataset({ state, project: "proj", dataset: "ds" });
    dataset.insert({ id: "a", input: { q: 1 }, expected: "A" });
    dataset.insert({ id: "b", input: { q: 2 }, expected: "B", metadata: { k: "v" } });
    await dataset.flush();
    dataset.insert({ id: "a", input: { q: 1 }, expected: "A2" });
    await dataset.flush();
    const reread = initDataset({ state, project: "proj", dataset: "ds" });
    const rows = await reread.fetchedData();
    expect(rows.map((r) => [r.id, r.expected]).sort()).toEqual([
      ["a", "A2"],
      ["b", "B"],
    ]);
    expect(fake.rows({ dataset_id: await dataset.id })).toHaveLength(2);
  });

  it("serves the seeded dataset by id in pages", async () => {
    const dataset = initDataset({ state, datasetId: SEEDED_DATASET_ID });
    const rows = [];
    for await (const row of dataset.fetch({ batchSize: 10 })) rows.push(row);
    expect(rows).toHaveLength(25);
    expect(rows[3]).toMatchObject({ id: "row-3", input: "item 3", expected: "ITEM 3" });
    expect(fake.callsTo("/btql")).toHaveLength(3);
    expect(await dataset.name).toBe("seed-dataset");
  });

  it("records project logs under project_id and log_id g", async () => {
    const { initLogger } = await import("braintrust");
    const logger = initLogger({ state, projectName: "proj", setCurrent: false });
    const span = logger.startSpan({ name: "agent" });
    span.log({ input: "hi", output: "ho" });
    span.end();
    await logger.flush();
    const projectId = fake.projectByName("proj")!.id;
    expect(fake.rows({ project_id: projectId, log_id: "g" })).toEqual([
      expect.objectContaining({ input: "hi", output: "ho" }),
    ]);
  });

  it("answers a remote scorer with 1 when output equals expected", async () => {
    const res = await state.proxyConn().post_json("function/invoke", {
      function_id: "fn",
      input: { output: { a: 1 }, expected: { a: 1 } },
    });
    const miss = await state.proxyConn().post_json("function/invoke", { input: { output: 1, expected: 2 } });
    expect([res, miss]).toEqual([1, 0]);
  });

  it("answers unknown paths with a 404 JSON body", async () => {
    await expect(state.apiConn().get_json("nope")).rejects.toThrow(/404/);
    expect(fake.callsTo("/nope")[0]?.status).toBe(404);
  });
});

describe("fault injection", () => {
  it("fails, then lets the SDK's retry through", async () => {
    fake.fail("/logs3", { status: 503, times: 1 });
    const experiment = initExperiment("proj", { state, experiment: "flaky", setCurrent: false });
    experiment.startSpan({ event: { input: 1, id: "r1" } }).end();
    await flush({ state });
    const [firstStatus, ...later] = fake.callsTo("/logs3").map((c) => c.status);
    expect(firstStatus).toBe(503);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((s) => s === 200)).toBe(true);
    expect(fake.rows({ experiment_id: await experiment.id }).map((r) => r.id)).toEqual(["r1"]);
  });

  it("drops connections and delays replies", async () => {
    fake.drop("/api/project/register");
    await expect(state.appConn().post_json("api/project/register", { project_name: "p" })).rejects.toThrow();
    fake.delay("/api/project/register", 50, 1);
    const before = Date.now();
    const reply = await state.appConn().post_json("api/project/register", { project_name: "p" });
    expect(reply.project.name).toBe("p");
    expect(Date.now() - before).toBeGreaterThanOrEqual(45);
    expect(fake.callsTo("/api/project/register").map((c) => c.status)).toEqual([0, 200]);
  });

  it("sends a custom body with an injected failure", async () => {
    fake.fail(/^\/api\/dataset\//, { status: 500, body: { error: "boom" } });
    await expect(state.appConn().post_json("api/dataset/register", { project_name: "p", dataset_name: "d" })).rejects.toThrow(
      /boom/,
    );
  });
});
