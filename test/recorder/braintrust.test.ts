// The Braintrust Recorder through the real SDK against the fake Braintrust: what arrives is what we assert.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BraintrustRecorder } from "../../src/recorder/braintrust.js";
import { startFakeBraintrust, useFakeBraintrust } from "../support/fakeBraintrust.js";

const fake = useFakeBraintrust({ seededDataset: false });
let recorder: BraintrustRecorder;

beforeEach(() => {
  recorder = new BraintrustRecorder({ apiKey: "sk-test", appUrl: fake.url, orgName: fake.orgName });
});
afterEach(async () => {
  await recorder.close().catch(() => undefined);
});

describe("Braintrust recorder", () => {
  it("upserts dataset rows under our ids and counts the new ones from what Braintrust holds", async () => {
    const ds = recorder.dataset("proj", "cases");
    expect(await ds.upsert([{ id: "a", input: { q: 1 }, expected: "A", metadata: { level: 1 }, tags: ["t"] }])).toEqual({
      rows: 1,
      newRows: 1,
    });
    const again = recorder.dataset("proj", "cases");
    expect(
      await again.upsert([
        { id: "a", input: { q: 1 }, expected: "A2" },
        { id: "b", input: { q: 2 }, expected: "B" },
      ]),
    ).toEqual({ rows: 2, newRows: 1 });
    const stored = fake.rows({ dataset_id: await ds.id() });
    expect(stored.map((r) => [r.id, r.expected]).sort()).toEqual([
      ["a", "A2"],
      ["b", "B"],
    ]);
    expect(fake.datasetByName("cases")!.project_id).toBe(fake.projectByName("proj")!.id);
  });

  it("refuses rows without ids before sending anything", async () => {
    const ds = recorder.dataset("proj", "cases");
    await expect(ds.upsert([{ id: "a", input: 1 }, { id: "", input: 2 }])).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(fake.callsTo("/logs3")).toHaveLength(0);
  });

  it("writes experiment spans linked to the dataset and reports the SDK's URL", async () => {
    const ds = recorder.dataset("proj", "cases");
    await ds.upsert([{ id: "a", input: 1 }]);
    const exp = await recorder.experiment("proj", "run-1", { dataset: ds, metadata: { model: "m" } });
    const root = exp.startSpan({ name: "eval", event: { id: "case-a", input: 1, expected: 2 } });
    const task = root.startSpan({ name: "task", type: "task" });
    task.log({ output: 2 });
    task.end();
    root.log({ output: 2, scores: { exact: 1 } });
    root.end();
    await exp.flush();

    const registered = fake.experiments.get(await exp.id())!;
    expect(registered).toMatchObject({ name: "run-1", dataset_id: await ds.id(), metadata: { model: "m" } });
    const rows = fake.rows({ experiment_id: registered.id });
    expect(rows).toHaveLength(2);
    const rootRow = rows.find((r) => r.id === "case-a")!;
    expect(rootRow).toMatchObject({ input: 1, expected: 2, output: 2, scores: { exact: 1 } });
    expect(rows.find((r) => r.id !== "case-a")).toMatchObject({ output: 2, span_parents: [rootRow.span_id] });
    expect(await exp.url()).toBe(`${fake.url}/app/test-org/p/proj/experiments/run-1`);
  });

  it("reuses an experiment with update and knows which root rows it held", async () => {
    const first = await recorder.experiment("proj", "ingest");
    first.startSpan({ event: { id: "r1", input: 1 } }).end();
    await first.flush();
    const again = await recorder.experiment("proj", "ingest", { update: true });
    expect(await again.id()).toBe(await first.id());
    expect(await again.existingRowIds()).toEqual(new Set(["r1"]));
    expect(fake.experiments.get(await first.id())!.registrations.at(-1)).toMatchObject({ update: true });
  });

  it("logs project spans under the project's logs", async () => {
    const span = recorder.logSpan("proj", { name: "agent", type: "task", event: { input: "q" } });
    span.startSpan({ name: "llm", type: "llm" }).end();
    span.log({ output: "a" });
    span.end();
    await recorder.flush();
    const rows = fake.rows({ project_id: fake.projectByName("proj")!.id, log_id: "g" });
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.id === span.id)).toMatchObject({ input: "q", output: "a" });
  });

  it("publishes prompts and reports no change when Braintrust already holds the same one", async () => {
    const prompt = {
      slug: "sql-agent",
      name: "SQL agent",
      description: "answers with SQL",
      model: "gpt-4o",
      messages: [{ role: "system" as const, content: "You write SQL." }],
      params: { temperature: 0 },
    };
    const created = await recorder.upsertPrompt("proj", prompt);
    expect(created.changed).toBe(true);
    const fn = fake.functions.get(created.id)!;
    expect(fn).toMatchObject({
      slug: "sql-agent",
      name: "SQL agent",
      project_id: fake.projectByName("proj")!.id,
      prompt_data: { prompt: { type: "chat", messages: prompt.messages }, options: { model: "gpt-4o", params: { temperature: 0 } } },
    });
    expect(await recorder.upsertPrompt("proj", { ...prompt })).toEqual({ id: created.id, changed: false });
    expect(await recorder.upsertPrompt("proj", { ...prompt, model: "gpt-4o-mini" })).toEqual({ id: created.id, changed: true });
    expect(fake.callsTo("/insert-functions")).toHaveLength(2);
  });

  it("logs in once, on its own state, with the given org", async () => {
    await recorder.dataset("proj", "d").id();
    await recorder.experiment("proj", "e");
    const logins = fake.callsTo("/api/apikey/login");
    expect(logins).toHaveLength(1);
    expect(logins[0].headers.authorization).toBe("Bearer sk-test");
  });

  it("sends rows to the configured API URL instead of the org's", async () => {
    const api = await startFakeBraintrust({ seededDataset: false });
    try {
      const redirected = new BraintrustRecorder({ apiKey: "sk-test", appUrl: fake.url, orgName: fake.orgName, apiUrl: api.url });
      const span = redirected.logSpan("proj", { event: { input: 1 } });
      span.end();
      // The project is registered on the app (fake); rows go to the API (api).
      await redirected.flush();
      expect(api.callsTo("/logs3")).not.toHaveLength(0);
      expect(fake.callsTo("/logs3")).toHaveLength(0);
    } finally {
      await api.close();
    }
  });

  it("fails with UPSTREAM_FAILED when the login is refused", async () => {
    const refused = new BraintrustRecorder({ apiKey: "sk-wrong", appUrl: fake.url, orgName: fake.orgName });
    await expect(refused.experiment("proj", "x")).rejects.toMatchObject({ code: "UPSTREAM_FAILED" });
    await expect(refused.dataset("proj", "d").id()).rejects.toMatchObject({ code: "UPSTREAM_FAILED" });
    expect(fake.callsTo("/api/apikey/login")).toHaveLength(2);
  });

  it("fails with UPSTREAM_FAILED when Braintrust refuses the experiment", async () => {
    await expect(recorder.experiment("proj", "fail-register-now")).rejects.toThrow(/register the experiment.*500/);
  });

  it("survives a dropped connection on logs3 through the SDK's retry", async () => {
    const exp = await recorder.experiment("proj", "flaky");
    fake.drop("/logs3", 1);
    exp.startSpan({ event: { id: "r1", input: 1 } }).end();
    await exp.flush();
    expect(fake.callsTo("/logs3")[0].status).toBe(0);
    expect(fake.rows({ experiment_id: await exp.id() }).map((r) => r.id)).toEqual(["r1"]);
  });

  it("reports rows Braintrust kept refusing as UPSTREAM_FAILED on flush", async () => {
    const exp = await recorder.experiment("proj", "down");
    const span = exp.startSpan({ event: { id: "r1", input: 1 } });
    await exp.flush();
    const before = fake.callsTo("/logs3").length;
    fake.fail("/logs3", { status: 503, times: Infinity });
    span.end(); // one merge row: one batch, tried three times
    await expect(exp.flush()).rejects.toMatchObject({ code: "UPSTREAM_FAILED", message: expect.stringMatching(/503/) });
    expect(fake.callsTo("/logs3").slice(before).map((c) => c.status)).toEqual([503, 503, 503]);
    const [row] = fake.rows({ experiment_id: await exp.id() });
    expect((row.metrics as Record<string, unknown>).end).toBeUndefined();
    await expect(exp.flush()).resolves.toBeUndefined(); // reported once
  });
});
