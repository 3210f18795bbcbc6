// POST /admin/ingest over real HTTP on loopback, into the local store of a temporary DATA_DIR.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { testConfig, type Config } from "../../../src/config.js";
import { createLogger } from "../../../src/logger.js";
import { buildApp } from "../../../src/server/app.js";
import { tau2Results, tempDir, trials } from "../../support/ingestFixtures.js";

interface Server {
  url: string;
  dataDir: string;
  logs: string[];
  app: FastifyInstance;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.app.close();
});

async function start(overrides: Partial<Record<keyof Config, string>> = {}): Promise<Server> {
  const dataDir = join(tempDir(), "data");
  const config = testConfig({ DATA_DIR: dataDir, LOG_LEVEL: "info", ...overrides });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = await buildApp(config, { logger: createLogger(config, sink) });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const server = { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, dataDir, logs, app };
  servers.push(server);
  return server;
}

const fileA = () => JSON.stringify(tau2Results({ model: "gpt-5", tasks: ["a", "b", "c"], sims: trials({ a: [1, 1], b: [1, 0], c: [0, 0] }) }), null, 2);
const fileB = () =>
  JSON.stringify(tau2Results({ model: "gpt-5.1-codex-max", tasks: ["a", "b", "c"], sims: trials({ a: [1, 1], b: [1, 1], c: [1, 1] }) }), null, 2);

function post(s: Server, body: BodyInit, headers: Record<string, string> = {}, query = "") {
  return fetch(`${s.url}/admin/ingest${query}`, { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

/** Every byte stored under DATA_DIR (the SQLite files and anything else). */
function storedBytes(s: Server): string {
  if (!existsSync(s.dataDir)) return "";
  const all: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else all.push(readFileSync(path).toString("latin1"));
    }
  };
  walk(s.dataDir);
  return all.join("\n");
}

async function experiments(s: Server) {
  return ((await (await fetch(`${s.url}/experiments`)).json()) as { experiments: any[] }).experiments;
}

describe("POST /admin/ingest", () => {
  it("takes a JSON body and answers with the dataset, the experiment and tau2's metrics", async () => {
    const s = await start();
    const res = await post(s, fileA(), { "content-type": "application/json" });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.dataset).toEqual({ name: "Tau Bench Telecom Tasks", rows: 3, new_rows: 3 });
    expect(body.experiments[0]).toMatchObject({
      name: "gpt-5-medium",
      tasks: 3,
      simulations: 6,
      new_rows: 3,
      metrics: { avg_reward: 0.5, pass_hat_k: { "1": 0.5 }, max_k: 2, terminations: { user_stop: 6 } },
    });
    expect(body.experiments[0].metrics.ci.pass_hat_k["1"]).toHaveLength(2);
    expect(body.experiments[0].url).toBeUndefined();

    const [listed] = await experiments(s);
    expect(listed).toMatchObject({ name: "gpt-5-medium", rowCount: 3, metadata: { tau2_metrics: { avg_reward: 0.5 } } });
    expect(listed.scores["pass^2"].mean).toBeCloseTo(1 / 3, 12);
    expect(readdirSync(join(s.dataDir, "ingest-spool"))).toEqual([]);
  });

  it("takes a gzip body", async () => {
    const s = await start();
    const res = await post(s, gzipSync(fileA()), { "content-type": "application/gzip" }, "?experiment=zipped&filename=run.json.gz");
    expect(res.status).toBe(200);
    expect((await res.json()).experiments[0]).toMatchObject({ name: "zipped", file: "run.json.gz", metrics: { avg_reward: 0.5 } });
  });

  it("takes several files as multipart, names them from the form, and compares them paired", async () => {
    const s = await start();
    const form = new FormData();
    form.append("dataset", "My Telecom");
    form.append("experiment", "baseline");
    form.append("file", new Blob([fileA()], { type: "application/json" }), "a.json");
    form.append("file", new Blob([gzipSync(fileB())]), "b.json.gz");
    form.append("experiment", "candidate");
    const res = await post(s, form);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.dataset).toEqual({ name: "My Telecom", rows: 3, new_rows: 3 });
    expect(body.experiments.map((e: any) => [e.name, e.file, e.dataset])).toEqual([
      ["baseline", "a.json", "My Telecom"],
      ["candidate", "b.json.gz", "My Telecom"],
    ]);
    const [c] = body.comparisons;
    expect(c).toMatchObject({ baseline: "baseline", candidate: "candidate", shared_tasks: 3 });
    expect(c.statistics.avg_reward.difference).toBeCloseTo(0.5, 12);
    expect(c.improved.map((t: any) => t.task_id)).toEqual(["b", "c"]);
    expect((await experiments(s)).map((e) => e.name).sort()).toEqual(["baseline", "candidate"]);
  });

  it("takes a tau2 directory run as the parts of one multipart upload", async () => {
    const s = await start();
    const { simulations, ...header } = JSON.parse(fileA());
    const form = new FormData();
    form.append("file", new Blob([JSON.stringify(header)]), "results.json");
    for (const sim of simulations) form.append("file", new Blob([JSON.stringify(sim)]), `simulations/${sim.id}.json`);
    const body = await (await post(s, form)).json();
    expect(body.experiments).toHaveLength(1);
    expect(body.experiments[0]).toMatchObject({ format: "tau2-dir", file: "results.json", simulations: 6, metrics: { avg_reward: 0.5 } });
  });

  it("streams progress events, then the result, with Accept: text/event-stream", async () => {
    const s = await start();
    const res = await post(s, fileA(), { "content-type": "application/json", accept: "text/event-stream" });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = (await res.text())
      .split("\n\n")
      .filter((e) => e.startsWith("event:"))
      .map((e) => ({ event: /^event: (.*)$/m.exec(e)![1], data: JSON.parse(/^data: (.*)$/m.exec(e)![1]) }));
    expect(events.at(-1)).toMatchObject({ event: "result", data: { experiments: [{ name: "gpt-5-medium" }] } });
    const progress = events.filter((e) => e.event === "progress").map((e) => e.data);
    expect(progress.some((p) => p.phase === "validate")).toBe(true);
    expect(progress.at(-1)).toEqual({ phase: "write", experiment: "gpt-5-medium", simulations: 6, total_simulations: 6 });
  });

  it("ingesting the same file twice leaves one row per task and says nothing is new", async () => {
    const s = await start();
    await post(s, fileA(), { "content-type": "application/json" });
    const spansAfterFirst = (await experiments(s))[0];
    const again = await (await post(s, fileA(), { "content-type": "application/json" })).json();
    expect(again.dataset).toEqual({ name: "Tau Bench Telecom Tasks", rows: 3, new_rows: 0 });
    expect(again.experiments[0]).toMatchObject({ name: "gpt-5-medium", new_rows: 0 });
    const listed = await experiments(s);
    expect(listed).toHaveLength(1);
    expect(listed[0].rowCount).toBe(3);
    expect(listed[0].metrics.trials).toEqual(spansAfterFirst.metrics.trials);
    const page = await (await fetch(`${s.url}/experiments/${listed[0].id}?limit=100`)).json();
    expect(page.total).toBe(3);
  });
});

describe("bad input: a 4xx naming the problem, and nothing stored", () => {
  it("a truncated file", async () => {
    const s = await start();
    const text = fileA();
    const cut = text.length - 2000;
    const res = await post(s, text.slice(0, cut), { "content-type": "application/json" }, "?filename=run.json");
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.message).toBe(`run.json: invalid JSON: unexpected end of input (inside simulations[5]): the file is truncated at byte ${cut}`);
    expect(error.details).toEqual({ file: "run.json", offset: cut });
    expect(await experiments(s)).toEqual([]);
    expect(storedBytes(s)).not.toContain("Fix a");
  });

  it("a syntax error deep in a simulation, reported with its byte offset", async () => {
    const s = await start();
    const text = fileA();
    const at = text.lastIndexOf('"turn_idx": 5');
    const broken = `${text.slice(0, at)}"turn_idx" 5${text.slice(at + '"turn_idx": 5'.length)}`;
    const res = await post(s, broken, { "content-type": "application/json" }, "?filename=run.json");
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.message).toContain("run.json: invalid JSON at byte");
    // V8 points at the token after the missing colon.
    expect(error.details.offset).toBe(Buffer.byteLength(text.slice(0, at)) + '"turn_idx" '.length);
    expect(error.details.field).toBe("simulations[5]");
    expect(await experiments(s)).toEqual([]);
  });

  it("a field of the wrong type, named by its path", async () => {
    const s = await start();
    const results = tau2Results({ tasks: ["a"], sims: trials({ a: [1, 0] }) }) as any;
    results.simulations[1].reward_info.reward = "high";
    const res = await post(s, JSON.stringify(results), { "content-type": "application/json" }, "?filename=run.json");
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: "VALIDATION_FAILED", details: { file: "run.json", field: "simulations[1].reward_info.reward" } });
    expect(await experiments(s)).toEqual([]);
  });

  it("a bad second file stops the first one too", async () => {
    const s = await start();
    const form = new FormData();
    form.append("file", new Blob([fileA()]), "good.json");
    form.append("file", new Blob(['{"info": {}, "tasks": [], "simulations": [{"task_id": "a"}, ']), "bad.json");
    const res = await post(s, form);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/^bad\.json: /);
    expect(await experiments(s)).toEqual([]);
    expect(storedBytes(s)).not.toContain("Fix a");
  });

  it("a file that is not tau2 results", async () => {
    const s = await start();
    const res = await post(s, JSON.stringify({ hello: "world" }), { "content-type": "application/json" });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain("not a tau-bench / tau2-bench results file");
  });

  it("an error after the event stream began arrives as an error event", async () => {
    const s = await start();
    const res = await post(s, '{"simulations": [', { "content-type": "application/json", accept: "text/event-stream" });
    const text = await res.text();
    expect(text).toMatch(/event: error\ndata: \{"error":\{"code":"BAD_REQUEST","message":"request body: invalid JSON/);
  });

  it("a body over INGEST_BODY_LIMIT, declared or streamed", async () => {
    const s = await start({ INGEST_BODY_LIMIT: "2000" });
    const declared = await post(s, fileA(), { "content-type": "application/json" });
    expect(declared.status).toBe(413);
    const body = Buffer.from(fileA());
    const streamed = new ReadableStream({
      start(controller) {
        for (let i = 0; i < body.length; i += 500) controller.enqueue(body.subarray(i, i + 500));
        controller.close();
      },
    });
    const res = await post(s, streamed, { "content-type": "application/json" });
    expect(res.status).toBe(413);
    expect(await experiments(s)).toEqual([]);
  });

  it("a content type that is not JSON, gzip or multipart", async () => {
    const s = await start();
    const res = await post(s, "a,b\n1,2", { "content-type": "text/csv" });
    expect(res.status).toBe(415);
  });

  it("a caller without the admin token when ADMIN_TOKEN is set", async () => {
    const s = await start({ ADMIN_TOKEN: "admin-secret-123" });
    expect((await post(s, fileA(), { "content-type": "application/json" })).status).toBe(401);
    const ok = await post(s, fileA(), { "content-type": "application/json", authorization: "Bearer admin-secret-123" });
    expect(ok.status).toBe(200);
  });
});

describe("secrets", () => {
  const openaiKey = "sk-proj-Zq8xLkT3vBn5Mw9Rp2Yc7Hd4Jf6Gs1Ae0Uo";
  const proxyPassword = "Pr0xyPassw0rdValue";
  const anthropicKey = "sk-ant-api03-Xy7Wv6Ut5Sr4Qp3On2Ml1Kj0Ih9Gf8Ed";

  it("never reach the store, the response or the logs", async () => {
    const s = await start();
    const results = tau2Results({
      tasks: ["a"],
      sims: trials({ a: [1] }),
      llmArgs: { reasoning_effort: "high", api_key: openaiKey, base_url: `https://bob:${proxyPassword}@proxy.example.com/v1` },
    }) as any;
    results.simulations[0].messages[1].content = `here is my key ${anthropicKey} please`;
    results.simulations[0].messages[2].tool_calls[0].arguments.password = "hunter2-not-a-pattern";
    const res = await post(s, JSON.stringify(results), { "content-type": "application/json" });
    expect(res.status).toBe(200);
    const text = await res.text();
    const experiment = (await experiments(s))[0];
    await s.app.close();
    servers.splice(servers.indexOf(s), 1);

    const everywhere = [text, JSON.stringify(experiment), storedBytes(s), s.logs.join("")];
    for (const secret of [openaiKey, proxyPassword, anthropicKey, "hunter2-not-a-pattern"]) {
      for (const place of everywhere) expect(place).not.toContain(secret);
    }
    // What is kept shows that something was there.
    expect(experiment.metadata.info.agent_info.llm_args).toEqual({
      reasoning_effort: "high",
      api_key: "[redacted]",
      base_url: "https://bob:[redacted]@proxy.example.com/v1",
    });
    expect(storedBytes(s)).toContain("here is my key [redacted] please");
    expect(JSON.parse(text).experiments[0].name).toBe("gpt-5-high");
  });
});
