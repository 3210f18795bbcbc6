// GET /experiments and /experiments/:id through buildApp, over what the local Recorder wrote to DATA_DIR.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testConfig } from "../../../src/config.js";
import { LocalRecorder } from "../../../src/recorder/local.js";
import { LocalStore } from "../../../src/recorder/localStore.js";
import { buildApp } from "../../../src/server/app.js";
import { EvaluatorRegistry } from "../../../src/evals/runtime/registry.js";

let dataDir: string;
let app: FastifyInstance;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sema4-exp-routes-"));
  app = await buildApp(testConfig({ DATA_DIR: dataDir }), { registry: new EvaluatorRegistry() });
});
afterEach(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function record() {
  const recorder = new LocalRecorder(new LocalStore(dataDir));
  const ds = recorder.dataset("proj", "questions");
  await ds.upsert([{ id: "q1", input: "one" }]);
  const exp = await recorder.experiment("proj", "baseline", { dataset: ds });
  for (const [i, score] of [1, 0, 1, 1, 0].entries()) {
    const root = exp.startSpan({ event: { id: `case-${i}`, input: i }, startTime: 10 });
    root.log({ output: i, scores: { correct: score }, metrics: { cost: 0.5 } });
    root.end({ endTime: 13 });
  }
  const id = await exp.id();
  await recorder.close();
  return id;
}

describe("experiment routes", () => {
  it("lists nothing, and creates no database, before anything was recorded", async () => {
    const res = await app.inject({ method: "GET", url: "/experiments" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ experiments: [] });
    expect(existsSync(join(dataDir, "sema4.db"))).toBe(false);
  });

  it("lists experiments with their summary scores and metrics", async () => {
    const id = await record();
    const res = await app.inject({ method: "GET", url: "/experiments" });
    expect(res.statusCode).toBe(200);
    const [summary] = res.json().experiments;
    expect(summary).toMatchObject({
      id,
      name: "baseline",
      project: "proj",
      rowCount: 5,
      dataset: { name: "questions" },
      scores: { correct: { mean: 0.6, count: 5 } },
      metrics: { duration: { mean: 3, count: 5, unit: "s" }, cost: { mean: 0.5, count: 5 } },
    });
  });

  it("pages an experiment's rows", async () => {
    const id = await record();
    const res = await app.inject({ method: "GET", url: `/experiments/${id}?limit=2&offset=3` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 5, limit: 2, offset: 3, experiment: { id, rowCount: 5 } });
    expect(body.rows.map((r: { id: string }) => r.id)).toEqual(["case-3", "case-4"]);
    expect(body.rows[0]).toMatchObject({ input: 3, output: 3, scores: { correct: 1 }, start: 10, end: 13 });
  });

  it("answers 404 for an unknown experiment and 400 for a bad page", async () => {
    await record();
    const missing = await app.inject({ method: "GET", url: "/experiments/nope" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ code: "NOT_FOUND", message: "Experiment nope not found" });
    const bad = await app.inject({ method: "GET", url: "/experiments/x?limit=0" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(bad.json().error.details)).toContain("limit");
  });
});
