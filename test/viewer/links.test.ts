// Where the viewer's links are printed: the ingest response and `npm run ingest` (each experiment's id and page),
// `npm run agent` (its trace's page). The links lead to what the viewer's API serves for them.
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../src/config.js";
import { setupDb } from "../../src/data/seed.js";
import { EvaluatorRegistry } from "../../src/evals/runtime/registry.js";
import { buildApp } from "../../src/server/app.js";
import { absoluteLink } from "../../src/viewer/links.js";
import { tau2Results, trials, writeJson } from "../support/ingestFixtures.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fakeOpenAI.js";
import { firstTask, oracleModel } from "../support/sqlAgentHarness.js";

const root = resolve(import.meta.dirname, "../..");
const exec = promisify(execFile);
let dir: string;
let fake: FakeOpenAI;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sema4-links-"));
  chmodSync(dir, 0o755);
  fake = await startFakeOpenAI({ handler: oracleModel() });
});
afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(script: string, args: string[], env: Record<string, string>) {
  const { stdout } = await exec(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: root,
    env: { ...process.env, BRAINTRUST_API_KEY: "", OPENAI_API_KEY: "", LOG_LEVEL: "warn", ...env },
  });
  return stdout;
}

describe("viewer links", () => {
  it("makes a link absolute for a terminal, localhost for a wildcard address", () => {
    expect(absoluteLink("/ui/x", { host: "0.0.0.0", port: 8300 })).toBe("http://localhost:8300/ui/x");
    expect(absoluteLink("/ui/x", { host: "::", port: 1 })).toBe("http://localhost:1/ui/x");
    expect(absoluteLink("/ui/x", { host: "127.0.0.1", port: 9 })).toBe("http://127.0.0.1:9/ui/x");
    expect(absoluteLink("/ui/x", { host: "::1", port: 9 })).toBe("http://[::1]:9/ui/x");
  });

  it("npm run ingest prints each experiment's id and viewer link; POST /admin/ingest answers them", async () => {
    const dataDir = join(dir, "ingest-data");
    const file = writeJson(dir, "run.json", tau2Results({ model: "gpt-5", tasks: ["a", "b"], sims: trials({ a: [1, 0], b: [1, 1] }) }));
    const stdout = await cli("src/cli/ingest.ts", [file], { DATA_DIR: dataDir, HOST: "127.0.0.1", PORT: "8399" });
    const printed = /^ {2}id ([0-9a-f-]{36}), viewer: http:\/\/127\.0\.0\.1:8399\/ui\/experiments\/([0-9a-f-]{36})$/m.exec(stdout);
    expect(printed, stdout).not.toBeNull();
    const id = printed![1];
    expect(printed![2]).toBe(id);

    const app = await buildApp(testConfig({ DATA_DIR: dataDir }), { registry: new EvaluatorRegistry() });
    try {
      const res = await app.inject({ method: "POST", url: "/admin/ingest", headers: { "content-type": "application/json" }, payload: JSON.stringify(tau2Results({ model: "gpt-5.1", tasks: ["a"], sims: trials({ a: [1] }) })) });
      expect(res.statusCode, res.body).toBe(200);
      const [experiment] = res.json().experiments;
      expect(experiment.viewer_url).toBe(`/ui/experiments/${experiment.id}`);
      const detail = await app.inject({ url: `/api/experiments/${experiment.id}` });
      expect(detail.json().experiment).toMatchObject({ id: experiment.id, name: "gpt-5.1-medium", url: experiment.viewer_url });
      const listed = await app.inject({ url: "/api/experiments" });
      expect(listed.json().experiments.map((e: { id: string }) => e.id)).toContain(id);
    } finally {
      await app.close();
    }
  }, 60_000);

  it("npm run agent prints its trace's link, and the viewer lists the run with that link", async () => {
    const dataDir = join(dir, "agent-data");
    const dbPath = setupDb(join(dir, "sema4_eval.db"));
    const stdout = await cli("src/cli/agent.ts", ["--task", firstTask.id], { DATA_DIR: dataDir, SEMA4_DB_PATH: dbPath, OPENAI_BASE_URL: fake.url, HOST: "0.0.0.0", PORT: "8300" });
    const link = /^Viewer: http:\/\/localhost:8300(\/ui\/traces\/project_logs\/sema4-demo\/([0-9a-f-]{36}))$/m.exec(stdout);
    expect(link, stdout).not.toBeNull();
    const app = await buildApp(testConfig({ DATA_DIR: dataDir, SEMA4_DB_PATH: dbPath }), { registry: new EvaluatorRegistry() });
    try {
      const logs = (await app.inject({ url: "/api/logs" })).json();
      expect(logs.projects).toEqual(["sema4-demo"]);
      expect(logs.runs).toHaveLength(1);
      expect(logs.runs[0]).toMatchObject({
        rootSpanId: link![2],
        question: firstTask.question,
        answer: `answer to ${firstTask.id}`,
        sql: firstTask.gold_sql,
        taskId: firstTask.id,
        outcome: "passed",
        score: 1,
        steps: 4,
        traceUrl: link![1],
      });
      expect(logs.runs[0].tokens).toBeGreaterThan(0);
      const trace = (await app.inject({ url: `/api/traces/project_logs/sema4-demo/${link![2]}` })).json();
      expect(trace.kind).toBe("agent");
      expect(trace.spans.map((s: { name: string }) => s.name)).toEqual(["sql_agent", "Chat Completion", "bash_exec", "Chat Completion", "submit_sql"]);
    } finally {
      await app.close();
    }
  }, 60_000);
});
