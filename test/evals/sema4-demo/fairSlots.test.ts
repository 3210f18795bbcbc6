// The `sema4-demo` evaluator's agent slots (AGENT_CONCURRENCY) are shared by every eval of the service and handed
// out in turn across callers: a caller with many trials queued does not make a later caller wait for all of them.
// The fake model holds each request until the test answers it, so the test sees the order in which trials got a slot.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logger.js";
import { createSqlGenEvaluator, sqlGenDeps } from "../../../src/evals/sema4-demo/evaluator.js";
import { Services } from "../../../src/services.js";
import type { TaskHooks } from "../../../src/evals/runtime/types.js";
import { reply, startFakeOpenAI, type FakeOpenAI, type FakeReply } from "../../support/fakeOpenAI.js";
import { questionOf, startAgentHarness, type AgentHarness } from "../../support/sqlAgentHarness.js";

let h: AgentHarness;
let fake: FakeOpenAI;
const held: { question: string; answer: (r: FakeReply) => void }[] = [];
let arrived: () => void = () => {};

beforeAll(async () => {
  h = await startAgentHarness();
  fake = await startFakeOpenAI({
    handler: (request) =>
      new Promise<FakeReply>((answer) => {
        held.push({ question: questionOf(request), answer });
        arrived();
      }),
  });
});
afterAll(async () => {
  await fake?.close();
  await h?.close();
});

/** The next model request the agent sends (each trial sends one: it submits at once). */
async function nextRequest(): Promise<{ question: string; answer: (r: FakeReply) => void }> {
  if (held.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
  return held.shift()!;
}

const hooks = (callerId: string | undefined, trials: number): TaskHooks => ({
  metadata: {},
  meta: () => {},
  expected: undefined,
  span: h.recorder.logSpan("sema4-demo", { name: "eval" }),
  parameters: { trials, k: 1, max_retries: 0 },
  reportProgress: () => {},
  trialIndex: 0,
  tags: [],
  signal: new AbortController().signal,
  ...(callerId ? { caller: { id: callerId, token: `token-of-${callerId}`, proxyUrl: "http://127.0.0.1:9", orgName: "test-org" } } : {}),
});

describe("agent slots across callers", () => {
  it("with one slot, a second caller's trial runs right after the first caller's running trial, not after its whole queue", async () => {
    // The callers' org may run on the service's model endpoint (SERVICE_MODEL_ORGS), the fake that holds each request.
    const config = { ...h.config, OPENAI_BASE_URL: fake.url, AGENT_CONCURRENCY: 1, SERVICE_MODEL_ORGS: ["test-org"] };
    const runtime = await new Services(config, { logger: createLogger(h.config), sandboxFactory: h.sandboxFactory }).agentRuntime();
    const evaluator = createSqlGenEvaluator(sqlGenDeps(runtime));
    const first = evaluator.task({ question: "first caller?" }, hooks("org-1:alice", 3)) as Promise<unknown>;
    const order = [(await nextRequest())];
    // Queued behind the first caller's two waiting trials, and the CLI's (no caller) behind both.
    const second = evaluator.task({ question: "second caller?" }, hooks("org-1:bob", 1)) as Promise<unknown>;
    const local = evaluator.task({ question: "operator?" }, hooks(undefined, 1)) as Promise<unknown>;
    const submit = reply.tool("submit_sql", { sql: "SELECT 1", answer: "1" });
    for (let i = 0; i < 4; i++) {
      order.at(-1)!.answer(submit);
      order.push(await nextRequest());
    }
    order.at(-1)!.answer(submit);
    expect(order.map((r) => r.question)).toEqual(["first caller?", "second caller?", "operator?", "first caller?", "first caller?"]);
    await Promise.all([first, second, local]);
  });
});
