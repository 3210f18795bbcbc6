// What a person reads of an ingest: the example runs shipped in examples/, sent as a bare request body.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../../src/config.js";
import { LocalStore } from "../../../src/recorder/localStore.js";
import { buildApp } from "../../../src/server/app.js";
import { parseSse } from "../../support/service.js";
import { tau2Results, tempDir, trials, v1Results } from "../../support/ingestFixtures.js";

const example = join(import.meta.dirname, "../../../examples/tau2/airline-grok-3.json");
const dataDir = join(tempDir(), "data");
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  app = await buildApp(testConfig({ DATA_DIR: dataDir, SANDBOX_MODE: "virtual" }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/admin/ingest`;
});
afterAll(() => app?.close());

/** Every number of a JSON value, at any depth. */
const numbers = (v: unknown): number[] =>
  typeof v === "number" ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(numbers) : [];

describe("an ingest's answer", () => {
  it("counts progress towards the Content-Length, names a nameless body, and rounds its numbers", async () => {
    const body = readFileSync(example);
    const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", accept: "text/event-stream" } });
    const events = parseSse(await res.text());
    const validate = events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data)).filter((p) => p.phase === "validate");
    expect(validate.length).toBeGreaterThan(0);
    for (const p of validate) expect(p.total_bytes).toBe(statSync(example).size);
    const result = JSON.parse(events.find((e) => e.event === "result")!.data);
    const [experiment] = result.experiments;
    expect(experiment).toMatchObject({ file: "request body", model: "xai/grok-3", domain: "airline", metrics: { avg_reward: 0.4375 } });
    for (const n of numbers(result)) expect(Math.abs(n * 1e6 - Math.round(n * 1e6))).toBeLessThan(1e-6);
    const stored = new LocalStore(dataDir).listExperiments().find((e) => e.id === experiment.id || e.name === experiment.name)!;
    expect(stored.description).toBe("tau2-bench results of xai/grok-3 on airline");
  });

  it("describes a tau-bench v1 file as one, not as tau2", async () => {
    const body = JSON.stringify(v1Results({ "0": [1, 0], "1": [1, 1] }));
    const res = await fetch(`${url}?filename=gpt-4o-airline.json`, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    const { experiments } = await res.json();
    expect(experiments[0]).toMatchObject({ file: "gpt-4o-airline.json", format: "tau-bench-v1" });
    const stored = new LocalStore(dataDir).listExperiments().find((e) => e.name === experiments[0].name)!;
    expect(stored.description).toMatch(/^tau-bench \(v1\) results of .* on airline, from gpt-4o-airline\.json$/);
  });

  it("says a missing field is missing, and what it should be", async () => {
    const results = tau2Results({ model: "m", tasks: ["a", "b", "c"], sims: trials({ a: [1], b: [1], c: [0] }) }) as { simulations: Record<string, unknown>[] };
    delete results.simulations[2].task_id;
    const res = await fetch(url, { method: "POST", body: JSON.stringify(results), headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/^request body: simulations\[2\]\.task_id: missing: expected string or number \(in the item at byte \d+\)$/);
  });
});
