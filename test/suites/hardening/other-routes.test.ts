// Bad input on GET /experiments, GET /experiments/:id, /healthz, /readyz and paths that do not exist, down to bytes
// no HTTP client sends (bad header names, raw bytes in the path, smuggling-shaped framing). Each is a 4xx with a
// message, ids are looked up as data and never as paths, and the service answers normally afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tau2Results, trials } from "../../support/ingestFixtures.js";
import { expectRefused, expectUnharmed, messageOf, send, sendRaw, startHardened, type HardenedService } from "./helpers.js";

let svc: HardenedService;
let experimentId: string;
beforeAll(async () => {
  svc = await startHardened();
  const file = JSON.stringify(tau2Results({ model: "gpt-5", tasks: ["a", "b"], sims: trials({ a: [1, 0], b: [1, 1] }) }));
  const res = await send(svc, "/admin/ingest", { headers: { "content-type": "application/json" }, body: file });
  expect(res.status).toBe(200);
  experimentId = JSON.parse((await send(svc, "/experiments")).text).experiments[0].id;
});
afterAll(() => svc?.close());

async function expectExperimentReadable(): Promise<void> {
  const res = await send(svc, `/experiments/${experimentId}?limit=1`);
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text).rows).toHaveLength(1);
}

describe("GET /experiments/:id", () => {
  it("looks ids up as data: traversal, SQL and odd bytes are a 404 naming the id", async () => {
    const ids: [string, string][] = [
      ["..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"],
      ["%2e%2e", ".."],
      ["..%5C..%5Cwindows", "..\\..\\windows"],
      ["x'%20OR%20'1'%3D'1", "x' OR '1'='1"],
      ["1%3B%20DROP%20TABLE%20spans%3B--", "1; DROP TABLE spans;--"],
      ["%E2%80%AE%F0%9F%92%A5", "\u202e\u{1f4a5}"],
      ["a".repeat(100), "a".repeat(100)],
    ];
    for (const [encoded, id] of ids) {
      const res = await send(svc, `/experiments/${encoded}`);
      expectRefused(res, 404, /^Experiment .* not found$/s);
      expect(messageOf(res)).toBe(`Experiment ${id} not found`);
    }
    // Ids are at most 100 characters (Fastify's maxParamLength).
    expectRefused(await send(svc, `/experiments/${"a".repeat(5000)}`), 414, /exceeding the max param length/);
    await expectUnharmed(svc, expectExperimentReadable);
  });

  it("answers a path that does not decode, or that walks up, without touching a file", async () => {
    expectRefused(await send(svc, "/experiments/%ff%fe"), 400, /is not a valid url component/);
    expectRefused(await send(svc, "/experiments/%"), 400, /is not a valid url component/);
    expectRefused(await send(svc, "/experiments/../../etc/passwd"), 404, /^Cannot GET \/experiments\/\.\.\/\.\.\/etc\/passwd$/);
    expectRefused(await send(svc, "/experiments/..%2F..%2F..%2Fetc%2Fpasswd/rows"), 404, /^Cannot GET /);
    await expectUnharmed(svc, expectExperimentReadable);
  });

  it("names the query parameter that is wrong and why", async () => {
    const queries: [string, RegExp][] = [
      ["limit=0", /^Invalid request: limit: .*>=1/],
      ["limit=1001", /^Invalid request: limit: .*<=1000/],
      ["limit=-1", /^Invalid request: limit: /],
      ["limit=abc", /^Invalid request: limit: .*expected number/],
      ["limit=1.5", /^Invalid request: limit: .*expected int/],
      ["limit=1&limit=2", /^Invalid request: limit: /],
      ["offset=-1", /^Invalid request: offset: .*>=0/],
      ["offset=1e309", /^Invalid request: offset: /],
    ];
    for (const [query, message] of queries) {
      const res = await send(svc, `/experiments/${experimentId}?${query}`);
      expectRefused(res, 400, message);
      expect(JSON.parse(res.text).error.details[0].path).toHaveLength(1);
    }
    await expectUnharmed(svc, expectExperimentReadable);
  });
});

describe("GET /experiments, /healthz, /readyz", () => {
  it("ignore query strings and headers they do not use", async () => {
    const junk = "?limit=-1&__proto__[polluted]=1&constructor.prototype.x=1&%ff=%fe";
    const listed = await send(svc, `/experiments${junk}`);
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.text).experiments).toHaveLength(1);
    expect((await send(svc, `/healthz${junk}`, { headers: { "x-forwarded-for": "../../", accept: "\xff" } })).status).toBe(200);
    const ready = await send(svc, `/readyz${junk}`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ status: "ready", recorder: "local" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("unknown paths and malformed HTTP", () => {
  it("answers paths that do not exist with a 404 naming them, for any method", async () => {
    for (const path of ["/nope", "/../../etc/passwd", "/admin/../healthz", "/%00", "/admin", "/admin/ingest/../../x", "/.env", "/eval/../list"]) {
      for (const method of ["GET", "POST", "DELETE"]) {
        expectRefused(await send(svc, path, { method }), 404, new RegExp(`^Cannot ${method} /`));
      }
    }
    expectRefused(await send(svc, "/eval"), 404, /^Cannot GET \/eval$/);
    await expectUnharmed(svc, expectExperimentReadable);
  });

  it("answers what the HTTP parser refuses with a 4xx of its own and keeps serving", async () => {
    const requests: [string, number, RegExp][] = [
      ["GET /healthz HTTP/1.1\r\nHost: x\r\nBad\xffName: 1\r\n\r\n", 400, /Client Error/],
      ["GET /experiments/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400, /Client Error/],
      [`GET /${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 431, /header size/],
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nx-big: ${"b".repeat(100_000)}\r\nConnection: close\r\n\r\n`, 431, /header size/],
      ["FOO\x01 / HTTP/1.1\r\nHost: x\r\n\r\n", 400, /Client Error/],
      ["POST /eval HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400, /Client Error/],
      // Both framings at once: the shape of request smuggling.
      ["POST /agent HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, /Client Error/],
      ["POST /agent HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, /Client Error/],
    ];
    for (const [bytes, status, message] of requests) {
      const res = await sendRaw(svc, bytes);
      expect(res.status, bytes.slice(0, 60)).toBe(status);
      expect(messageOf(res)).toMatch(message);
    }
    await expectUnharmed(svc, expectExperimentReadable);
  });
});
