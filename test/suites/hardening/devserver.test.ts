// Bad input on the Braintrust protocol routes (GET /, GET|POST /list, POST /eval): wrong JSON types, unknown
// evaluators and Braintrust objects, bad parameters and parents, bodies over EVAL_BODY_LIMIT, nesting at the limit.
// Each is a 4xx in the protocol's error shape with a message, nothing is registered in Braintrust for a request
// refused before its run, and the service answers a normal eval afterwards.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../../src/server/jsonBody.js";
import { parseSse } from "../../support/service.js";
import { expectEvalWorks, expectRefused, expectUnharmed, send, startHardened, type Answer, type HardenedService } from "./helpers.js";

let svc: HardenedService;
beforeAll(async () => {
  svc = await startHardened();
});
afterAll(() => svc?.close());

const evalText = (text: string) => send(svc, "/eval", { headers: { ...svc.auth, "content-type": "application/json" }, body: text });
const evalRequest = (body: unknown) => evalText(JSON.stringify(body));
const rows = { data: [{ input: "a", expected: "A" }] };
const registered = () => svc.fake.callsTo("/api/experiment/register").length;

/** The protocol's schema error: `{"error":{"message":"Invalid request: …","errors":[…]}}`, naming the field. */
function expectInvalid(res: Answer, path: (string | number)[]): void {
  expectRefused(res, 400, /^Invalid request: /);
  // The field and what is wrong with it; for a body that is no object at all, what to send.
  expect(JSON.parse(res.text).error.message).toContain(path.length > 0 ? `${path.join(".")}: ` : "send a JSON object");
  const issues = JSON.parse(res.text).error.errors as { path: (string | number)[]; message: string }[];
  expect(issues.map((i) => i.path)).toContainEqual(path);
  expect(issues.every((i) => i.message.length > 0)).toBe(true);
}

describe("POST /eval: wrong JSON types", () => {
  it("names the field of each wrong type, and registers nothing", async () => {
    const before = registered();
    const cases: [unknown, (string | number)[]][] = [
      [[], []],
      ["peer-demo", []],
      [42, []],
      [null, []],
      [{ name: 42, data: rows }, ["name"]],
      [{ name: "peer-demo" }, ["data"]],
      [{ name: "peer-demo", data: { data: "a,b" } }, ["data"]],
      [{ name: "peer-demo", data: { data: [1, "two", null, [3]] } }, ["data"]],
      [{ name: "peer-demo", data: rows, stream: "yes" }, ["stream"]],
      [{ name: "peer-demo", data: rows, parameters: ["prefix"] }, ["parameters"]],
      [{ name: "peer-demo", data: rows, scores: [{ name: "s" }] }, ["scores", 0, "function_id"]],
      [{ name: "peer-demo", data: rows, experiment_name: { $ne: null } }, ["experiment_name"]],
      [{ name: "peer-demo", data: rows, parent: "not-an-exported-span" }, ["parent"]],
      [{ name: "peer-demo", data: rows, parent: { object_type: "table", object_id: "x" } }, ["parent"]],
    ];
    for (const [body, path] of cases) expectInvalid(await evalRequest(body), path);
    expect(registered()).toBe(before);
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });

  it("says what is wrong with a parent that is not an exported span", async () => {
    const res = await evalRequest({ name: "peer-demo", data: rows, parent: "garbage" });
    const issues = JSON.parse(res.text).error.errors as { message: string; errors?: { message: string }[][] }[];
    expect(JSON.stringify(issues)).toContain("not an exported span");
  });
});

describe("POST /eval: unknown evaluators and Braintrust objects", () => {
  it("answers an unknown evaluator with the protocol's 404, whatever its name", async () => {
    for (const name of ["nope", "../../etc/passwd", "__proto__", "constructor", "toString", "peer-demo\u0000", "x".repeat(10_000)]) {
      const res = await evalRequest({ name, data: rows });
      expectRefused(res, 404, /^Evaluator '.*' not found; send "name" as one of 'peer-demo', /s);
      expect(JSON.parse(res.text).error.startsWith(`Evaluator '${name}' not found; send "name" as one of 'peer-demo', `)).toBe(true);
    }
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });

  it("answers a dataset, base experiment or project that does not exist with a 404 naming it", async () => {
    const unknown: [Record<string, unknown>, RegExp][] = [
      [{ data: { dataset_id: "../../etc/passwd" } }, /Dataset with ID \.\.\/\.\.\/etc\/passwd not found/],
      [{ data: { experiment_name: "../no-such-experiment" } }, /Experiment \.\.\/no-such-experiment not found/],
      [{ data: rows, project_id: "../../etc" }, /Project \.\.\/\.\.\/etc not found/],
    ];
    for (const [fields, message] of unknown) {
      expectRefused(await evalRequest({ name: "peer-demo", ...fields }), 404, message);
      // Streaming, the same message arrives as the error event, then done.
      const stream = await evalRequest({ name: "peer-demo", stream: true, ...fields });
      expect(stream.status).toBe(200);
      const events = parseSse(stream.text);
      expect(events.map((e) => e.event).slice(-2)).toEqual(["error", "done"]);
      expect(JSON.parse(events.at(-2)!.data).message).toMatch(message);
    }
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });
});

describe("POST /eval: bad parameters", () => {
  it("refuses a value of the wrong type for a declared parameter, before anything runs", async () => {
    const before = registered();
    for (const parameters of [{ sleep_ms: "slow" }, { prefix: { $gt: "" } }, { prefix: ["a"] }, { sleep_ms: null }]) {
      expectRefused(await evalRequest({ name: "peer-demo", data: rows, parameters }), 400, /^Invalid parameter '(sleep_ms|prefix)': /);
    }
    expect(registered()).toBe(before);
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });

  it("ignores parameters the evaluator does not declare, prototype keys included", async () => {
    const res = await evalRequest({ name: "peer-demo", data: rows, parameters: { constructor: 1, toString: "x", hasOwnProperty: 2 } });
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text).scores.exact_match.score).toBe(1);
  });
});

describe("POST /eval: size and depth", () => {
  it("takes a body over the app's 1 MiB default (EVAL_BODY_LIMIT is 50 MiB) and refuses one declared past it", async () => {
    const big = { name: "peer-demo", data: { data: [{ input: "x".repeat(2 * 1024 * 1024), expected: "X".repeat(2 * 1024 * 1024) }] } };
    const res = await evalRequest(big);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).scores.exact_match.score).toBe(1);
    const over = await send(svc, "/eval", { headers: { ...svc.auth, "content-type": "application/json" }, contentLength: 50 * 1024 * 1024 + 1 });
    expectRefused(over, 413, /too large/);
    expect(JSON.parse(over.text)).toEqual({ error: { message: "Request body is too large", status: 413 } });
  });

  it("runs a case whose input is nested right up to the limit, and refuses one level more", async () => {
    // {"name":…,"data":{"data":[{"input": …}]}} holds the input 4 levels down.
    const input = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    const body = (depth: number, stream: boolean) => `{"name":"peer-demo","stream":${stream},"data":{"data":[{"input":${input(depth)}}]}}`;
    for (const stream of [false, true]) {
      const ok = await evalText(body(MAX_JSON_DEPTH - 4, stream));
      expect(ok.status, ok.text.slice(0, 300)).toBe(200);
      // The task (toUpperCase of an array) fails for the case, which is reported, not a failed request.
      if (stream) expect(parseSse(ok.text).map((e) => e.event)).toEqual(["start", "progress", "summary", "done"]);
      expectRefused(await evalText(body(MAX_JSON_DEPTH - 3, stream)), 400, /nested deeper than 512 levels/);
    }
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });
});

describe("GET /, GET|POST /list", () => {
  it("answer bad credentials with the protocol's 400/401, and ignore query strings and bodies", async () => {
    expectRefused(await send(svc, "/list"), 401, /^Unauthorized: send a Braintrust API key of your org as x-bt-auth-token \(or Authorization: Bearer <key>\) and the org's name as x-bt-org-name$/);
    expectRefused(await send(svc, "/list", { headers: { "x-bt-auth-token": "sk-test" } }), 400, /Missing x-bt-org-name header/);
    expectRefused(
      await send(svc, "/list", { headers: { "x-bt-auth-token": "sk-wrong", "x-bt-org-name": svc.fake.orgName } }),
      401,
      /^Unauthorized: the Braintrust login of this token for org '.*' failed; send a Braintrust API key/,
    );
    expect((await send(svc, "/?a=%ff%fe&b[]=1&__proto__[x]=1")).status).toBe(200);
    expect((await send(svc, "/list?__proto__=1&constructor=2", { headers: svc.auth })).status).toBe(200);
    for (const body of ["[]", "42", '"x"', "null", '{"name":{"$gt":""}}']) {
      const res = await send(svc, "/list", { method: "POST", headers: { ...svc.auth, "content-type": "application/json" }, body });
      expect(res.status).toBe(200);
      expect(Object.keys(JSON.parse(res.text))).toContain("peer-demo");
    }
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });
});

describe("connections", () => {
  it("a streamed eval honours Connection: close, so a keep-alive client does not reuse the socket", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const stream = JSON.stringify({ name: "peer-demo", stream: true, data: rows });
    const headers = { ...svc.auth, "content-type": "application/json" };
    try {
      for (const connection of ["close", "keep-alive"]) {
        const streamed = await send(svc, "/eval", { agent, headers: { ...headers, connection }, body: stream });
        expect(streamed.headers.connection).toBe(connection);
        expect(parseSse(streamed.text).at(-1)!.event).toBe("done");
        // The next request on the same agent: a new socket after close, the same one after keep-alive.
        const next = await send(svc, "/eval", { agent, headers, body: JSON.stringify({ name: "nope", data: rows }) });
        expectRefused(next, 404, /Evaluator 'nope' not found/);
      }
    } finally {
      agent.destroy();
    }
  });
});
