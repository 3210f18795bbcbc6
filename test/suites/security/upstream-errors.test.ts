// The attack: a model endpoint that answers 401 with the key it was sent in its error message (raw or encoded), as
// some gateways do. The service's key must then reach nobody: not the /agent caller (JSON or SSE), not a Playground
// caller's /eval stream, not the service log, not the rows sent to Braintrust, not the local store.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../../src/config.js";
import { createLogger } from "../../../src/logger.js";
import { createRecorder } from "../../../src/recorder/index.js";
import { LocalRecorder } from "../../../src/recorder/local.js";
import type { Recorder } from "../../../src/recorder/types.js";
import type { FakeBraintrust } from "../../support/fakeBraintrust.js";
import { keyEchoingRejection, startFakeOpenAI, type FakeOpenAI } from "../../support/fakeOpenAI.js";
import { encodings, findSecret, leaks } from "../../support/secretForms.js";
import { parseSse, startService, type RunningService } from "../../support/service.js";
import { startAgentHarness, type AgentHarness } from "../../support/sqlAgentHarness.js";

// Not credential-shaped (no sk- prefix): only the service's knowledge of its own keys can catch it. Its `/`, `+`
// and `=` change under URL encoding.
const KEY = "gw_7Hq2Lx9Vt4Rp/8Nz3+Kc6Wm1Yb5==";
const BT_KEY = "bt-service-key-0a1b2c3d4e5f60718293";
const CALLER = "sk-test";
const parent = { object_type: "playground_logs", object_id: "0c1b5b2e-6d5e-4c55-9d5a-2b1f3e9a7c11" };

/** A log destination that keeps each line as written. */
const into = (lines: string[]) =>
  new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });

let h: AgentHarness;
let model: FakeOpenAI;
beforeAll(async () => {
  h = await startAgentHarness();
  model = await startFakeOpenAI();
});
afterAll(async () => {
  await model?.close();
  await h?.close();
});

describe.each(["local", "braintrust"] as const)("a 401 echoing the service's model key, recording to %s", (recording) => {
  let svc: RunningService;
  let bt: FakeBraintrust;
  let base: string;
  let recorder: Recorder;
  const log: string[] = [];

  beforeAll(async () => {
    svc = await startService({
      fake: { tokens: [BT_KEY, CALLER] },
      config: (fake) => ({
        OPENAI_BASE_URL: model.url,
        OPENAI_API_KEY: KEY,
        // The caller's org may use the service's model: its runs call the echoing endpoint with KEY.
        DEV_ORG_NAME: fake.orgName,
        SEMA4_DB_PATH: h.dbPath,
        DATA_DIR: h.config.DATA_DIR,
        LOG_LEVEL: "debug",
        ...(recording === "braintrust" ? { BRAINTRUST_API_KEY: BT_KEY } : {}),
      }),
      deps: async (config) => {
        const logger = createLogger(config, into(log));
        recorder = await createRecorder(config, logger);
        return { logger, recorder, sandboxFactory: h.sandboxFactory };
      },
    });
    ({ fake: bt, base } = svc);
  });
  afterAll(async () => {
    await svc?.close();
  });

  const agent = (accept?: string) =>
    fetch(`${base}/agent`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(accept ? { accept } : {}) },
      body: JSON.stringify({ question: "How many plans are there?" }),
    });

  const evalStream = () =>
    fetch(`${base}/eval`, {
      method: "POST",
      headers: { "x-bt-auth-token": CALLER, "x-bt-org-name": bt.orgName, "content-type": "application/json" },
      body: JSON.stringify({ name: "sema4-demo", stream: true, data: { data: [{ input: "How many plans are there?" }] }, parameters: { trials: 1, max_retries: 0 }, parent }),
    });

  const recorded = () =>
    recording === "local"
      ? JSON.stringify((recorder as LocalRecorder).store.db.prepare("SELECT * FROM spans").all())
      : JSON.stringify(bt.calls.filter((c) => c.path !== "/api/apikey/login").map((c) => c.body));

  it.each(Object.keys(encodings))("echoed %s, it is nowhere", async (encoding) => {
    const encode = encodings[encoding];
    // The attack is real: the echo as the endpoint sends it gives the key away.
    expect(findSecret(`Incorrect API key provided: ${encode(KEY)}`, KEY)).toBeDefined();
    model.setHandler(keyEchoingRejection(encode));
    const calls = model.completions().length;

    const json = await agent();
    const jsonText = await json.text();
    expect(json.status).toBe(502);
    // The caller still learns what went wrong, less the key.
    expect(JSON.parse(jsonText).error.message).toMatch(/^the model endpoint answered 401: .*Incorrect API key provided: \S{0,3}\[redacted\]/);

    const sse = await agent("text/event-stream");
    const sseText = await sse.text();
    expect(parseSse(sseText).map((e) => e.event).at(-1)).toBe("error");

    const ev = await evalStream();
    const evText = await ev.text();
    const events = parseSse(evText);
    expect(events.map((e) => e.event).slice(-2)).toEqual(["summary", "done"]);
    const failed = events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data)).find((p) => p.event === "error");
    expect(failed?.data).toMatch(/the model endpoint answered 401/);

    // Every request carried the key, and was refused with it echoed.
    const sent = model.completions().slice(calls);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    for (const r of sent) expect(r.headers.authorization).toBe(`Bearer ${KEY}`);

    await recorder.flush();
    expect(leaks(jsonText, [KEY]), "/agent JSON").toEqual([]);
    expect(leaks(sseText, [KEY]), "/agent SSE").toEqual([]);
    expect(leaks(evText, [KEY]), "/eval SSE").toEqual([]);
    expect(leaks(log.join(""), [KEY, BT_KEY]), "service log").toEqual([]);
    expect(leaks(recorded(), [KEY, BT_KEY]), `rows recorded to ${recording}`).toEqual([]);
    expect(leaks(JSON.stringify(bt.rows()), [KEY, BT_KEY]), "rows in Braintrust").toEqual([]);
    // The log did record the failure: it just does not carry the key.
    expect(log.join("")).toMatch(/the model endpoint answered 401/);
  });
});

describe("a Braintrust refusal echoing the service's Braintrust key", () => {
  let svc: RunningService;
  let bt: FakeBraintrust;
  let base: string;
  const log: string[] = [];

  beforeAll(async () => {
    svc = await startService({
      fake: { tokens: [BT_KEY] },
      config: { BRAINTRUST_API_KEY: BT_KEY, SEMA4_DB_PATH: h.dbPath, DATA_DIR: h.config.DATA_DIR, LOG_LEVEL: "debug" },
      deps: (config) => ({ logger: createLogger(config, into(log)), sandboxFactory: h.sandboxFactory }),
    });
    ({ fake: bt, base } = svc);
  });
  afterAll(async () => {
    await svc?.close();
  });

  it.each(Object.keys(encodings))("echoed %s at login, it reaches neither the caller nor the log", async (encoding) => {
    const echoed = `Invalid API key: ${encodings[encoding](BT_KEY)}`;
    bt.fail("/api/apikey/login", { status: 401, body: { error: echoed } });
    const res = await fetch(`${base}/admin/push-dataset`, { method: "POST" });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(JSON.parse(text).error.message).toMatch(/^Braintrust login failed: .*\[redacted\]/);
    expect(leaks(text, [BT_KEY]), "response").toEqual([]);
    expect(leaks(log.join(""), [BT_KEY]), "service log").toEqual([]);
  });
});

describe("the service log", () => {
  it("carries no key of the service in any field of any record, raw or encoded", () => {
    const lines: string[] = [];
    const logger = createLogger(testConfig({ LOG_LEVEL: "info", OPENAI_API_KEY: KEY, BRAINTRUST_API_KEY: BT_KEY }), into(lines));
    const upstream = new Error(`401 Incorrect API key provided: ${encodings.base64(KEY)}`);
    logger.error({ err: new Error("the model call failed", { cause: upstream }) }, "request failed");
    logger.warn({ url: `https://example.test/?q=${encodings.url(KEY)}`, nested: { hex: encodings.hex(BT_KEY) } }, `key ${KEY}`);
    logger.info(`wrapped: ${Buffer.from(`OPENAI_API_KEY=${KEY}`).toString("base64").replace(/(.{20})/g, "$1\n")}`);
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["request failed", "key [redacted]", expect.stringMatching(/^wrapped: /)]);
    expect(leaks(lines.join(""), [KEY, BT_KEY])).toEqual([]);
  });
});
