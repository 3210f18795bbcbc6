// Bad input on POST /agent: wrong JSON types, out-of-range values, unknown keys and tasks, bodies over 64 KiB. Each is
// a 4xx naming the field before any model call (also when the client asked for a stream), and a question still gets
// its answer from the scripted model afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SQL_TASKS } from "../../../src/data/tasks.js";
import { reply, startFakeOpenAI, type FakeOpenAI } from "../../support/fakeOpenAI.js";
import { expectRefused, expectUnharmed, send, startHardened, type HardenedService } from "./helpers.js";

const KEY = "sk-hardening-openai-0123456789";
let model: FakeOpenAI;
let svc: HardenedService;
beforeAll(async () => {
  model = await startFakeOpenAI({ apiKey: KEY, handler: () => reply.tool("submit_sql", { sql: "SELECT 1 AS one", answer: "one" }) });
  svc = await startHardened({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: KEY });
});
afterAll(async () => {
  await svc?.close();
  await model?.close();
});

const ask = (body: string, headers: Record<string, string> = {}) =>
  send(svc, "/agent", { headers: { "content-type": "application/json", ...headers }, body });

async function expectAnswers(): Promise<void> {
  const res = await ask(JSON.stringify({ question: "What is one?" }));
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  expect(JSON.parse(res.text)).toMatchObject({ answer: "one", sql: "SELECT 1 AS one", rows: [[1]] });
}

describe("POST /agent", () => {
  it("names the field of each wrong type or value, and calls no model", async () => {
    const calls = model.completions().length;
    const cases: [unknown, RegExp][] = [
      [[], /expected object, received array/],
      ["what is one?", /expected object, received string/],
      [42, /expected object, received number/],
      [{}, /give a question \(or a task_id\)/],
      [{ question: 5 }, /question: .*expected string/],
      [{ question: "" }, /question: question is empty/],
      [{ question: "   " }, /question: question is empty/],
      [{ question: "x".repeat(4001) }, /question: .*4000/],
      [{ question: ["a"] }, /question: .*expected string/],
      [{ question: "q", model: "" }, /model: model is empty/],
      [{ question: "q", model: "m".repeat(201) }, /model: .*200/],
      [{ question: "q", max_retries: -1 }, /max_retries: .*>=0/],
      [{ question: "q", max_retries: 11 }, /max_retries: .*<=10/],
      [{ question: "q", max_retries: 1.5 }, /max_retries: .*expected int/],
      [{ question: "q", max_retries: "2" }, /max_retries: .*expected number/],
      [{ question: "q", sql: "DROP TABLE customers" }, /Unrecognized key: "sql"/],
      [{ question: "q", constructor: 1 }, /Unrecognized key: "constructor"/],
      [{ task_id: 7 }, /task_id: .*expected string/],
      [{ task_id: "../../etc/passwd" }, /unknown task_id '\.\.\/\.\.\/etc\/passwd'; the tasks are /],
    ];
    for (const [body, message] of cases) expectRefused(await ask(JSON.stringify(body)), 400, message);
    expectRefused(await ask('{"question": "q", "__proto__": {"admin": true}}'), 400, /not valid JSON/);
    expectRefused(await ask("null"), 400, /send a JSON body/);
    expectRefused(await send(svc, "/agent", { method: "POST" }), 400, /send a JSON body/);
    expect(model.completions().length).toBe(calls);
    await expectUnharmed(svc, expectAnswers);
  });

  it("refuses before the stream opens when the client asked for events", async () => {
    const res = await ask(JSON.stringify({ question: 5 }), { accept: "text/event-stream" });
    expectRefused(res, 400, /question: .*expected string/);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expectRefused(await ask(JSON.stringify({ task_id: "nope" }), { accept: "text/event-stream" }), 400, /unknown task_id 'nope'/);
  });

  it("refuses a body over 64 KiB with a 413 whatever it holds, and takes one just under", async () => {
    const padded = (bytes: number) => {
      const body = JSON.stringify({ question: "What is one?", pad: "" });
      return body.replace('"pad":""', `"pad":"${"x".repeat(bytes - body.length)}"`);
    };
    expectRefused(await ask(padded(64 * 1024 + 1)), 413, /too large/);
    // Under the limit it is read, and the unknown key is what is wrong.
    expectRefused(await ask(padded(64 * 1024)), 400, /Unrecognized key: "pad"/);
    expectRefused(await send(svc, "/agent", { headers: { "content-type": "application/json" }, contentLength: 1024 * 1024 * 1024 }), 413, /too large/);
    await expectUnharmed(svc, expectAnswers);
  });

  it("still answers a task asked by id, with its score", async () => {
    const task = SQL_TASKS[0];
    const res = await ask(JSON.stringify({ task_id: task.id }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).score).toMatchObject({ sql_correctness: 0 });
  });
});
