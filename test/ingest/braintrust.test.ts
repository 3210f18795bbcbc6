// Ingest end to end through the real `braintrust` SDK into the fake Braintrust API; the rows are checked there.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testConfig } from "../../src/config.js";
import { ingestLimits } from "../../src/ingest/read/ingestLimits.js";
import { ingestFiles } from "../../src/ingest/ingestJob.js";
import { BraintrustRecorder } from "../../src/recorder/braintrust.js";
import { useFakeBraintrust, type StoredRow } from "../support/fakeBraintrust.js";
import { startService } from "../support/service.js";
import { tau2Results, tempDir, trials, writeDirRun, writeJson } from "../support/ingestFixtures.js";
import { LocalHarness } from "./localStore.js";

const fake = useFakeBraintrust({ seededDataset: false });
let recorder: BraintrustRecorder;
let dir: string;

beforeEach(() => {
  dir = tempDir();
  recorder = new BraintrustRecorder({ apiKey: "sk-test", appUrl: fake.url, orgName: fake.orgName });
});
afterEach(async () => {
  await recorder.close().catch(() => undefined);
});

const settings = () => ({ recorder, project: "tau-bench", spoolDir: join(dir, "spool"), limits: ingestLimits(testConfig()) });
const parents = (r: StoredRow) => (r.span_parents as string[] | undefined) ?? [];

describe("ingest into Braintrust", () => {
  it("creates the dataset and an experiment linked to it, one row per task with scores and the trace under it", async () => {
    const secret = "sk-proj-Zq8xLkT3vBn5Mw9Rp2Yc7Hd4Jf6Gs1Ae0Uo";
    const file = writeJson(
      dir,
      "run.json",
      tau2Results({ tasks: ["a", "b", "c"], sims: trials({ a: [1, 1], b: [1, 0], c: [0, 0] }), llmArgs: { reasoning_effort: "medium", api_key: secret } }),
    );
    const report = await ingestFiles([file], settings());
    expect(report.experiments[0]).toMatchObject({ name: "gpt-5-medium", new_rows: 3 });
    expect(report.experiments[0].url).toMatch(/^http/);

    const dataset = fake.datasetByName("Tau Bench Telecom Tasks")!;
    expect(fake.projects.get(dataset.project_id)!.name).toBe("tau-bench");
    const datasetRows = fake.rows({ dataset_id: dataset.id });
    expect(datasetRows.map((r) => r.id).sort()).toEqual(["a", "b", "c"]);
    expect(datasetRows.find((r) => r.id === "a")).toMatchObject({
      input: { ticket: "Ticket for a" },
      expected: { reward_basis: ["ENV_ASSERTION"] },
      metadata: { domain: "telecom" },
    });

    const experiment = fake.experimentByName("gpt-5-medium")!;
    expect(experiment.dataset_id).toBe(dataset.id);
    expect(experiment.metadata).toMatchObject({ tau2_metrics: { avg_reward: 0.5, pass_hat_k: { "1": 0.5, "2": 1 / 3 } } });
    const rows = fake.rows({ experiment_id: experiment.id });
    const roots = rows.filter((r) => parents(r).length === 0);
    expect(roots).toHaveLength(3);
    const b = roots.find((r) => (r.span_attributes as { name?: string }).name === "b")!;
    expect(b).toMatchObject({
      input: datasetRows.find((r) => r.id === "b")!.input,
      scores: { reward: 0.5, "pass^1": 0.5, "pass^2": 0, pass_at_k: 1, pass_exp_k: 0 },
      metrics: { trials: 2, successes: 1, cost: 0.005 },
      origin: { object_type: "dataset", object_id: dataset.id, id: "b" },
    });
    const trialRows = rows.filter((r) => parents(r)[0] === b.span_id);
    expect(trialRows).toHaveLength(2);
    const messages = rows.filter((r) => parents(r)[0] === trialRows[0].span_id);
    expect(messages.map((r) => (r.span_attributes as { type?: string }).type)).toEqual(["llm", "llm", "llm", "tool", "llm", "llm", "tool", "llm"]);
    expect(messages.every((r) => r.root_span_id === b.root_span_id)).toBe(true);

    // The fake's experiment summary (what the UI shows) averages the rows into tau2's pass^k.
    const summary = await fetch(`${fake.url}/experiment-comparison2?experiment_id=${experiment.id}`, {
      headers: { authorization: "Bearer sk-test" },
    }).then((r) => r.json());
    expect(summary.scores["pass^2"].score).toBeCloseTo(1 / 3, 12);

    expect(JSON.stringify(fake.calls)).not.toContain(secret);
  });

  it("re-ingesting updates the same experiment: one row per task, one dataset row per task", async () => {
    const file = writeJson(dir, "run.json", tau2Results({ tasks: ["a", "b"], sims: trials({ a: [1, 0], b: [1, 1] }) }));
    await ingestFiles([file], settings());
    const second = await ingestFiles([file], settings());
    expect(second.dataset).toMatchObject({ rows: 2, new_rows: 0 });
    expect(second.experiments[0]).toMatchObject({ name: "gpt-5-medium", new_rows: 0 });
    expect([...fake.experiments.values()].map((e) => e.name)).toEqual(["gpt-5-medium"]);
    const experiment = fake.experimentByName("gpt-5-medium")!;
    const rows = fake.rows({ experiment_id: experiment.id });
    expect(rows.filter((r) => parents(r).length === 0)).toHaveLength(2);
    // Every span keeps its deterministic id: the second ingest rewrote the same rows.
    expect(rows).toHaveLength(2 + 4 + 4 * 8);
    expect(fake.rows({ dataset_id: fake.datasetByName("Tau Bench Telecom Tasks")!.id })).toHaveLength(2);
  });

  it("names the files by their base names, a directory run by its directory: no path of this machine is sent or stored", async () => {
    const run = (model: string) => tau2Results({ model, tasks: ["a", "b"], sims: trials({ a: [1, 0], b: [1, 1] }) });
    const files = [
      writeJson(join(dir, "runs"), "plain.json", run("m-plain")),
      writeJson(join(dir, "runs"), "zipped.json.gz", run("m-zipped"), { gzip: true }),
      writeDirRun(join(dir, "runs", "dir-run"), run("m-dir")),
    ];
    const listed = join(dir, "listed");
    writeJson(listed, "in-a-directory.json", run("m-listed"));
    const report = await ingestFiles([...files, listed], settings());
    expect(report.experiments.map((e) => e.name)).toEqual(["m-plain-medium", "m-zipped-medium", "m-dir-medium", "m-listed-medium"]);
    const stored = ["plain.json", "zipped.json.gz", "dir-run/results.json", "in-a-directory.json"];
    for (const [i, name] of report.experiments.map((e) => e.name).entries()) {
      const experiment = fake.experimentByName(name)!;
      expect(experiment.metadata).toMatchObject({ file: stored[i] });
      expect(experiment.description).toBe(`${["tau2-bench results", "tau2-bench results", "tau2-bench directory run", "tau2-bench results"][i]} of m-${["plain", "zipped", "dir", "listed"][i]} on telecom, from ${stored[i]}`);
    }
    expect(JSON.stringify(fake.calls)).not.toContain(dir);

    const local = new LocalHarness();
    try {
      await ingestFiles([...files, listed], local.settings);
      const bytes = (d: string): string =>
        readdirSync(d)
          .map((n) => join(d, n))
          .map((p) => (statSync(p).isDirectory() ? bytes(p) : readFileSync(p).toString("latin1")))
          .join("");
      expect(bytes(local.dataDir)).toContain("dir-run/results.json");
      expect(bytes(local.dataDir)).not.toContain(dir);
    } finally {
      await local.close();
    }
  });

  it("through POST /admin/ingest when the service has a Braintrust key", async () => {
    const svc = await startService({
      sharedFake: fake,
      config: { BRAINTRUST_API_KEY: "sk-test", BRAINTRUST_ORG_NAME: fake.orgName, DATA_DIR: join(dir, "data") },
    });
    try {
      const res = await fetch(`${svc.base}/admin/ingest?project=via-http&experiment=http-run`, {
        method: "POST",
        // With BRAINTRUST_ORG_NAME set, /admin takes a Braintrust key of that org.
        headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
        body: JSON.stringify(tau2Results({ tasks: ["a"], sims: trials({ a: [1, 1] }) })),
      });
      expect(res.status).toBe(200);
      expect((await res.json()).experiments[0]).toMatchObject({ name: "http-run", url: expect.stringMatching(/^http/) });
      const experiment = fake.experimentByName("http-run")!;
      expect(fake.projects.get(experiment.project_id)!.name).toBe("via-http");
      expect(fake.rows({ experiment_id: experiment.id }).filter((r) => parents(r).length === 0)).toHaveLength(1);
      // The spool under DATA_DIR, where the upload waited, is named nowhere.
      expect(JSON.stringify(fake.calls)).not.toContain(dir);

      // A path the client puts in ?filename= is its own label, answered as given; the experiment keeps the name.
      const named = await fetch(`${svc.base}/admin/ingest?experiment=named&filename=${encodeURIComponent("/home/op/runs/run.json")}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
        body: JSON.stringify(tau2Results({ tasks: ["a"], sims: trials({ a: [1, 1] }) })),
      });
      const text = await named.text();
      expect(JSON.parse(text).experiments[0]).toMatchObject({ name: "named", file: "/home/op/runs/run.json" });
      expect(text).not.toContain(dir);
      expect(fake.experimentByName("named")!.metadata).toMatchObject({ file: "run.json" });
      expect(JSON.stringify(fake.calls)).not.toContain("/home/op");
    } finally {
      await svc.close();
    }
  });
});
