// The viewer's API over a large store (test/support/viewerFixtures.ts, the one `npm run bench:ui` measures):
// 1,000 experiments, two 114-task × 20-trial runs, a trace of over 1,000 spans. Every answer is paged or bounded:
// none over 2 MB, whatever the store holds.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../../src/config.js";
import { EvaluatorRegistry } from "../../../src/evals/runtime/registry.js";
import { buildApp } from "../../../src/server/app.js";
import { buildLargeStore, type LargeStore } from "../../support/viewerFixtures.js";

const MAX_ANSWER = 2 * 1024 * 1024;
let dir: string;
let store: LargeStore;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sema4-viewer-large-"));
  store = await buildLargeStore(join(dir, "data"));
  app = await buildApp(testConfig({ DATA_DIR: store.dataDir }), { registry: new EvaluatorRegistry() });
}, 240_000);
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(url: string) {
  const res = await app.inject({ url });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  expect(res.rawPayload.length).toBeLessThanOrEqual(MAX_ANSWER);
  return res.json();
}

describe("the viewer's API over a large store", () => {
  it("pages 1,000 experiments, newest first, with their groups", async () => {
    const first = await get("/api/experiments");
    expect(first.total).toBe(1000);
    expect(first.experiments).toHaveLength(50);
    const created = first.experiments.map((e: { created: string }) => e.created);
    expect([...created].sort().reverse()).toEqual(created);
    expect(first.experiments[0].name).toBe("candidate-model");
    const last = await get("/api/experiments?limit=200&offset=900");
    expect(last.experiments).toHaveLength(100);
    expect(first.groups.reduce((n: number, g: { experiments: number }) => n + g.experiments, 0)).toBe(1000);
    const one = await get("/api/experiments?project=project-1&q=copy-1");
    expect(one.total).toBeGreaterThan(0);
    expect(one.experiments.every((e: { project: string; name: string }) => e.project === "project-1" && e.name.includes("copy-1"))).toBe(true);
    // A copy reads as its source: tau2's stored numbers.
    expect(one.experiments[0]).toMatchObject({ source: "ingest", tasks: 6, trials: 18, maxTrials: 3 });
  });

  it("answers a 114-task × 20-trial task table and comparison within bounds", async () => {
    const tasks = await get(`/api/experiments/${store.baseline}/tasks?limit=500`);
    expect(tasks.total).toBe(114);
    expect(tasks.tasks.every((t: { trials: unknown[] }) => t.trials.length === 20)).toBe(true);
    const cmp = await get(`/api/compare?baseline=${store.baseline}&candidate=${store.candidate}`);
    const [c] = cmp.comparisons;
    expect(c.sharedTasks).toBe(114);
    expect(c.rows).toHaveLength(114);
    expect(Object.keys(cmp.runs[store.baseline])).toHaveLength(114);
    expect(cmp.runs[store.candidate]["task-000"].trials).toHaveLength(20);
    expect(c.minimumDetectableDifference).toBeGreaterThan(0);
    expect(c.minimumDetectableDifference).toBeLessThan(0.1);
  });

  it("answers a trace of over 1,000 spans whole, its fields cut to fit", async () => {
    const { experimentId, rootSpanId } = store.longTrace;
    const trace = await get(`/api/traces/experiment/${experimentId}/${rootSpanId}`);
    expect(trace.total).toBeGreaterThan(1000);
    expect(trace.spans).toHaveLength(trace.total);
    expect(trace.truncated).toBe(false);
    const seen = new Set<string>();
    for (const s of trace.spans) {
      if (s.parentSpanId !== null) expect(seen.has(s.parentSpanId)).toBe(true);
      seen.add(s.spanId);
    }
    // Fewer spans than the trace: the answer says so.
    const cut = await get(`/api/traces/experiment/${experimentId}/${rootSpanId}?limit=100`);
    expect(cut).toMatchObject({ total: trace.total, truncated: true });
    expect(cut.spans).toHaveLength(100);
  });
});
