// The same bad bodies and headers against every route that reads a body, and every route that does not: each is a
// 4xx with a message (or, where a route reads no body, the normal answer), never a 5xx, a hang or a stack trace,
// and the service answers normally afterwards. Route-specific bad input is in the other files of this folder.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../../src/server/jsonBody.js";
import { expectEvalWorks, expectRefused, expectUnharmed, hasStackTrace, nested, send, startHardened, type HardenedService } from "./helpers.js";

const ADMIN = "hardening-admin-token";
const INGEST_LIMIT = 1024 * 1024;
let svc: HardenedService;
beforeAll(async () => {
  svc = await startHardened({ ADMIN_TOKEN: ADMIN, INGEST_BODY_LIMIT: String(INGEST_LIMIT) });
});
afterAll(() => svc?.close());

interface BodyRoute {
  path: string;
  headers: () => Record<string, string>;
  /** Its body limit in bytes. */
  limit: number;
  /** Its answer to a body that is not JSON. */
  unsupported: [number, RegExp];
}

/** A 415 naming the type sent and the types the route takes. */
const unsupported = (route: string, takes: string): [number, RegExp] => [
  415,
  new RegExp(`^Unsupported Media Type: Content-Type ".*" is not read here; POST ${route} takes ${takes}$`),
];
const JSON_ONLY = "application/json";
const operator = () => ({ authorization: `Bearer ${ADMIN}` });
const bodyRoutes: BodyRoute[] = [
  // The dev-server routes answer other body types as `braintrust eval --dev` does (capture 48, docs/wire-captures.md):
  // /list ignores the body, /eval sees none and answers its 400 "Invalid request".
  { path: "/list", headers: () => svc.auth, limit: 1024 * 1024, unsupported: [200, /peer-demo/] },
  {
    path: "/eval",
    headers: () => svc.auth,
    limit: 50 * 1024 * 1024,
    unsupported: [400, /^Invalid request: send a JSON object with content-type: application\/json and at least "name" and "data" \(a ".*" body is not read\)$/],
  },
  { path: "/agent", headers: operator, limit: 64 * 1024, unsupported: unsupported("/agent", JSON_ONLY) },
  { path: "/admin/push-dataset", headers: operator, limit: 1024, unsupported: unsupported("/admin/push-dataset", JSON_ONLY) },
  { path: "/admin/push-prompt", headers: operator, limit: 1024, unsupported: unsupported("/admin/push-prompt", JSON_ONLY) },
  {
    path: "/admin/ingest",
    headers: operator,
    limit: INGEST_LIMIT,
    unsupported: unsupported("/admin/ingest", "application/json, application/gzip, application/x-gzip, application/octet-stream or multipart/form-data"),
  },
  // No route, so no body type to refuse: the 404 comes first.
  { path: "/no/such/route", headers: () => ({}), limit: 1024 * 1024, unsupported: [404, /Cannot POST \/no\/such\/route/] },
];
const json = { "content-type": "application/json" };
const TOO_DEEP = /deeper than 512 levels/;

describe.each(bodyRoutes)("POST $path", (route) => {
  const post = (body: string | Buffer, headers: Record<string, string> = json) =>
    send(svc, route.path, { headers: { ...route.headers(), ...headers }, body });

  it("refuses deeply nested JSON (100 000 levels, closed or not, and just past the limit) with a 4xx", async () => {
    for (const body of [nested(100_000), nested(100_000, true), nested(MAX_JSON_DEPTH + 2, true)]) {
      const res = await post(body);
      if (body.length > route.limit) expectRefused(res, 413, /too large|over the limit/);
      else expectRefused(res, 400, TOO_DEEP);
    }
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });

  it("refuses a JSON body with bytes that are not UTF-8", async () => {
    const res = await post(Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]));
    expectRefused(res, 400, /UTF-8/);
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });

  it("answers other content types as the route's contract says (415, or the reference's answer), whatever the body", async () => {
    const types = ["text/plain", "application/x-www-form-urlencoded", "application/xml", "image/png"];
    // Only ingest takes uploads.
    if (route.path !== "/admin/ingest") types.push("multipart/form-data; boundary=x");
    for (const type of types) {
      const res = await post("--x\r\n\r\n--x--", { "content-type": type });
      if (route.unsupported[0] === 200) {
        expect(res.status).toBe(200);
        expect(res.text).toMatch(route.unsupported[1]);
      } else expectRefused(res, ...route.unsupported);
    }
    // No Content-Type at all.
    if (route.unsupported[0] === 415) {
      expectRefused(await post("{}", {}), 415, new RegExp(`^Unsupported Media Type: the body has no Content-Type; POST ${route.path} takes `));
    }
    // A content type that does not even parse, on any path.
    expectRefused(await post("{}", { "content-type": ";;;" }), 415, /^Unsupported Media Type: Content-Type ";;;" is not a media type/);
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });

  it("answers a body over its limit with a 413 from the headers alone, before anything is read", async () => {
    const res = await send(svc, route.path, { headers: { ...route.headers(), ...json }, contentLength: route.limit + 1 });
    expectRefused(res, 413, /too large|over the limit/);
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });

  it("refuses malformed and empty JSON with a 400", async () => {
    expectRefused(await post('{"name": "peer-demo",'), 400, /JSON/);
    expectRefused(await post(""), 400, /JSON|empty|results file/i);
    // Prototype poisoning is refused by the parser (ingest reads it as data and finds no results in it). The
    // service runs in this process, so a polluted prototype would show here.
    const poisoned = await post('{"__proto__": {"polluted": true}}');
    expect(poisoned.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });
});

describe("routes that read no body", () => {
  const getRoutes = ["/", "/healthz", "/readyz", "/experiments", "/list", "/api/experiments", "/api/logs", "/ui/sign-in"];

  it.each(getRoutes)("GET %s ignores a body: huge, deep, not UTF-8 or of any type", async (path) => {
    // /experiments is an operator route: the owner's data.
    const headers = path === "/list" ? svc.auth : ["/experiments", "/api/experiments", "/api/logs"].includes(path) ? operator() : {};
    const bodies: [string, string | Buffer][] = [
      ["application/json", nested(100_000, true)],
      ["application/json", Buffer.from([0x7b, 0xff, 0xfe])],
      ["text/plain", "x".repeat(2 * 1024 * 1024)],
    ];
    for (const [type, body] of bodies) {
      const res = await send(svc, path, { method: "GET", headers: { ...headers, "content-type": type }, body });
      expect(res.status, res.text.slice(0, 200)).toBe(200);
    }
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });

  it("answers an unknown path with a 404 naming it, for any method", async () => {
    for (const method of ["GET", "PUT", "PATCH", "DELETE"]) {
      expectRefused(await send(svc, "/no/such/route", { method }), 404, /Cannot \w+ \/no\/such\/route/);
    }
  });
});

describe("headers", () => {
  it("takes bytes that are not UTF-8 in header values as a bad credential, not a crash", async () => {
    const bad = "\xff\xfe\xc3\x28";
    expectRefused(await send(svc, "/list", { headers: { "x-bt-auth-token": `sk-${bad}`, "x-bt-org-name": svc.fake.orgName } }), 401, /Unauthorized/);
    expectRefused(await send(svc, "/list", { headers: { "x-bt-auth-token": "sk-test", "x-bt-org-name": bad } }), 401, /Unauthorized/);
    expectRefused(await send(svc, "/agent", { headers: { authorization: `Bearer ${bad}`, ...json }, body: "{}" }), 401, /Invalid token/);
    const res = await send(svc, "/healthz", { headers: { "x-anything": bad, origin: `https://${bad}`, "x-request-id": bad } });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    await expectUnharmed(svc, () => expectEvalWorks(svc));
  });

  it("refuses an Authorization header that is not `<scheme> <token>` on every route with a 400", async () => {
    for (const [method, path] of [["GET", "/"], ["GET", "/list"], ["POST", "/eval"]] as const) {
      expectRefused(await send(svc, path, { method, headers: { authorization: "Bearer" } }), 400, /Invalid authorization token format/);
    }
    expectRefused(await send(svc, "/agent", { headers: { authorization: "Bearer", ...json }, body: "{}" }), 401, /Bearer/);
  });
});

describe("the stack-trace check every answer here passes", () => {
  it("recognizes a real stack trace and passes ordinary error bodies", () => {
    expect(hasStackTrace(JSON.stringify({ error: { message: new Error("boom").stack } }))).toBe(true);
    expect(hasStackTrace('{"error":{"message":"run.json: invalid JSON at byte 12 (in simulations[3])","status":400}}')).toBe(false);
  });
});
