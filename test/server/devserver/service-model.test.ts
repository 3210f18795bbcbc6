// Whose model key a Playground run of `sema4-demo` spends. The service's own endpoint (here OPENAI_BASE_URL with
// OPENAI_API_KEY) serves the operator's org (DEV_ORG_NAME) and the orgs of SERVICE_MODEL_ORGS; any other caller
// runs on their own org's AI proxy with their own token, and never reaches the service's endpoint.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../../src/config.js";
import { reply, startFakeOpenAI, type FakeOpenAI } from "../../support/fakeOpenAI.js";
import { postEval, startService } from "../../support/service.js";
import { startAgentHarness, type AgentHarness } from "../../support/sqlAgentHarness.js";

const KEY = "sk-service-model-key-0123456789";
const CALLER = "sk-test";

let h: AgentHarness;
let serviceModel: FakeOpenAI;
let proxy: FakeOpenAI;
beforeAll(async () => {
  h = await startAgentHarness();
  const answer = () => reply.tool("submit_sql", { sql: "SELECT COUNT(*) FROM plans", answer: "5" });
  // Each answers only its own key: a run on the wrong key fails.
  serviceModel = await startFakeOpenAI({ apiKey: KEY, handler: answer });
  proxy = await startFakeOpenAI({ apiKey: CALLER, handler: answer });
});
afterAll(async () => {
  await serviceModel?.close();
  await proxy?.close();
  await h?.close();
});

/** One Playground run of sema4-demo by a caller of the fake's org (`test-org`); how many calls each endpoint got. */
async function run(config: Partial<Record<keyof Config, string>>) {
  const svc = await startService({
    config: { OPENAI_BASE_URL: serviceModel.url, OPENAI_API_KEY: KEY, SEMA4_DB_PATH: h.dbPath, DATA_DIR: h.config.DATA_DIR, ...config },
    deps: { sandboxFactory: h.sandboxFactory },
    fake: { proxyUrl: proxy.origin },
  });
  const before = { service: serviceModel.completions().length, proxy: proxy.completions().length };
  try {
    const r = await postEval(svc, { name: "sema4-demo", stream: true, data: { data: [{ input: "How many plans?" }] }, parameters: { trials: 1 } });
    const events = r.events.map((e) => e.event);
    expect(events.slice(-2)).toEqual(["summary", "done"]);
    expect(JSON.parse(r.events.at(-2)!.data).scores).toBeDefined();
    const errors = r.events.filter((e) => e.event === "progress" && JSON.parse(e.data).event === "error");
    expect(errors).toEqual([]);
    return {
      service: serviceModel.completions().slice(before.service),
      proxy: proxy.completions().slice(before.proxy),
    };
  } finally {
    await svc.close();
  }
}

describe("the service's model endpoint in /eval", () => {
  it("serves the callers of DEV_ORG_NAME", async () => {
    const calls = await run({ DEV_ORG_NAME: "test-org" });
    expect(calls.proxy).toHaveLength(0);
    expect(calls.service).toHaveLength(1);
    expect(calls.service[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("serves the callers of an org in SERVICE_MODEL_ORGS", async () => {
    const calls = await run({ SERVICE_MODEL_ORGS: "other-org, test-org" });
    expect(calls.proxy).toHaveLength(0);
    expect(calls.service.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`]);
  });

  it.each([
    ["an org not in SERVICE_MODEL_ORGS", { SERVICE_MODEL_ORGS: "other-org" }],
    ["any org when neither DEV_ORG_NAME nor SERVICE_MODEL_ORGS is set", {}],
  ])("does not serve %s: the caller runs on their own org's AI proxy with their own token", async (_name, config) => {
    const calls = await run(config);
    expect(calls.service).toHaveLength(0);
    expect(calls.proxy).toHaveLength(1);
    const request = calls.proxy[0];
    expect(request.path).toBe("/v1/proxy/chat/completions");
    expect(request.headers.authorization).toBe(`Bearer ${CALLER}`);
    expect(request.headers["x-bt-org-name"]).toBe("test-org");
  });
});
