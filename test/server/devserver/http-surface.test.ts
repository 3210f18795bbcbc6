// GET /, /list, CORS and auth, case by case against the captures of the reference, `braintrust eval --dev` (a
// title's number is its capture, docs/wire-captures.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_HEADERS, EXPOSED_HEADERS } from "../../../src/server/devserver/cors.js";
import { testRegistry } from "../../support/evaluators.js";
import { startService, type RunningService } from "../../support/service.js";

let svc: RunningService;
beforeAll(async () => {
  svc = await startService({ deps: { registry: testRegistry() } });
});
afterAll(() => svc.close());

const BT = "https://www.braintrust.dev";
const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  fetch(`${svc.base}${path}`, { method, headers });
const logins = () => svc.fake.callsTo("/api/apikey/login");

describe("GET /", () => {
  it("01: answers Hello, world! with the CORS headers of a request without Origin", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toBe("Hello, world!");
    expect(res.headers.get("vary")).toBe("Origin");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-expose-headers")).toBe(EXPOSED_HEADERS);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("02: reflects an allowed Origin", async () => {
    const res = await get("/", { origin: BT });
    expect(res.headers.get("access-control-allow-origin")).toBe(BT);
  });

  it("18: HEAD / answers 200 without a body", async () => {
    const res = await get("/", {}, "HEAD");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("10: a malformed Authorization header is a 400 even here", async () => {
    const res = await get("/", { authorization: "Bearer" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { message: "Invalid authorization token format: send Authorization: Bearer <your Braintrust API key> (two words), or x-bt-auth-token: <key>", status: 400 },
    });
  });
});

describe("GET /list", () => {
  it("03: lists the evaluators with static parameters, explicit source null and no null fields", async () => {
    const before = logins().length;
    const res = await get("/list", svc.auth);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = await res.json();
    expect(Object.keys(body)).toEqual(["peer-demo", "peer-demo-progress", "peer-errors", "peer-timeout"]);
    expect(body["peer-demo"]).toEqual({
      parameters: {
        type: "braintrust.staticParameters",
        schema: {
          prefix: {
            type: "data",
            schema: {
              $schema: "http://json-schema.org/draft-07/schema#",
              default: "",
              description: "String prepended to the output",
              type: "string",
            },
            default: "",
            description: "String prepended to the output",
          },
          sleep_ms: {
            type: "data",
            schema: {
              $schema: "http://json-schema.org/draft-07/schema#",
              default: 0,
              description: "Extra async sleep per case (ms)",
              type: "number",
            },
            default: 0,
            description: "Extra async sleep per case (ms)",
          },
        },
        source: null,
      },
      scores: [{ name: "exact_match" }],
      classifiers: [],
    });
    // 60: no parameters → the key is left out
    expect(body["peer-errors"]).toEqual({ scores: [{ name: "exact_match" }, { name: "flaky_scorer" }], classifiers: [] });
    expect(JSON.stringify(body)).not.toContain("null,");
    expect(logins().length).toBe(before + 1);
    const login = logins().at(-1)!;
    expect(login.method).toBe("POST");
    expect(login.headers.authorization).toBe("Bearer sk-test");
  });

  it("04/05: reuses the cached login, with Origin and with a Bearer header", async () => {
    await get("/list", svc.auth);
    const before = logins().length;
    const a = await get("/list", { ...svc.auth, origin: BT });
    expect(a.headers.get("access-control-allow-origin")).toBe(BT);
    const b = await get("/list", { authorization: "Bearer sk-test", "x-bt-org-name": svc.fake.orgName });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(logins().length).toBe(before);
  });

  it("POST /list answers the same as GET", async () => {
    const res = await get("/list", svc.auth, "POST");
    expect(res.status).toBe(200);
    expect(Object.keys(await res.json())).toContain("peer-demo");
  });

  it("19: If-None-Match with the ETag gets a 304", async () => {
    const first = await get("/list", svc.auth);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^W\//);
    const res = await get("/list", { ...svc.auth, "if-none-match": etag });
    expect(res.status).toBe(304);
  });

  // The reference's shapes and the start of its messages; then what was wrong and what to send.
  const HOW = "send a Braintrust API key of your org as x-bt-auth-token (or Authorization: Bearer <key>) and the org's name as x-bt-org-name";
  const refusedLogin = (org: string) => `Unauthorized: the Braintrust login of this token for org '${org}' failed; ${HOW}`;
  it.each([
    ["06: no token", {}, 401, { error: { message: `Unauthorized: ${HOW}`, status: 401 } }],
    ["09: token null", { "x-bt-auth-token": "null", "x-bt-org-name": "test-org" }, 401, { error: { message: `Unauthorized: ${HOW}`, status: 401 } }],
    ["07: bad token", { "x-bt-auth-token": "bad-key", "x-bt-org-name": "test-org" }, 401, { error: { message: refusedLogin("test-org"), status: 401 } }],
    ["47: org not among the token's", { "x-bt-auth-token": "sk-test", "x-bt-org-name": "other-org" }, 401, { error: { message: refusedLogin("other-org"), status: 401 } }],
    [
      "08: no org",
      { "x-bt-auth-token": "sk-test" },
      400,
      { error: { message: "Missing x-bt-org-name header: send the name of your Braintrust org as x-bt-org-name", status: 400 } },
    ],
    [
      "10: bad Authorization format",
      { authorization: "a b c", "x-bt-org-name": "test-org" },
      400,
      {
        error: {
          message: "Invalid authorization token format: send Authorization: Bearer <your Braintrust API key> (two words), or x-bt-auth-token: <key>",
          status: 400,
        },
      },
    ],
  ])("%s", async (_name, headers, status, body) => {
    const res = await get("/list", headers);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual(body);
  });

  it("07: a refused login is remembered for LOGIN_FAILURE_TTL_MS, unlike the reference: the same bad token logs in once", async () => {
    const before = logins().length;
    const headers = { "x-bt-auth-token": "another-bad-key", "x-bt-org-name": "test-org" };
    expect((await get("/list", headers)).status).toBe(401);
    expect((await get("/list", headers)).status).toBe(401);
    expect(logins().slice(before).map((c) => c.status)).toEqual([401]);
  });
});

describe("CORS and Private Network Access", () => {
  const preflight = (path: string, origin: string, extra: Record<string, string> = {}) =>
    get(path, { origin, "access-control-request-method": "POST", ...extra }, "OPTIONS");

  it("11: a preflight from the Playground gets 204 and the exact header lists", async () => {
    const res = await preflight("/list", BT, { "access-control-request-headers": "x-bt-auth-token,x-bt-org-name" });
    expect(res.status).toBe(204);
    expect(Object.fromEntries([...res.headers].filter(([k]) => k.startsWith("access-control") || k === "vary"))).toEqual({
      "access-control-allow-origin": BT,
      vary: "Origin",
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET,PATCH,POST,PUT,DELETE,OPTIONS",
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "86400",
      "access-control-expose-headers": EXPOSED_HEADERS,
    });
    expect(ALLOWED_HEADERS.split(",")).toContain("x-bt-use-gateway");
  });

  it("12: Private Network Access is granted when asked", async () => {
    const res = await preflight("/eval", BT, { "access-control-request-private-network": "true" });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-private-network")).toBe("true");
  });

  it("13: preview origins match only as a whole host under preview.braintrust.dev", async () => {
    const ok = await preflight("/eval", "https://pr-123.preview.braintrust.dev");
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://pr-123.preview.braintrust.dev");
    const evil = await preflight("/eval", "https://x.preview.braintrust.dev.evil.com");
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("the app URL is allowed byte for byte", async () => {
    const res = await preflight("/eval", svc.fake.url);
    expect(res.headers.get("access-control-allow-origin")).toBe(svc.fake.url);
  });

  it("14: a disallowed origin's preflight gets no CORS headers, only the path's methods", async () => {
    const res = await preflight("/eval", "https://evil.example.com");
    expect(res.status).toBe(200);
    expect(res.headers.get("allow")).toBe("POST");
    expect(await res.text()).toBe("POST");
    for (const [k] of res.headers) expect(k.startsWith("access-control")).toBe(false);
    expect(res.headers.get("vary")).toBeNull();
  });

  it("15: a disallowed origin's request is served without CORS headers", async () => {
    const res = await get("/list", { ...svc.auth, origin: "https://evil.example.com" });
    expect(res.status).toBe(200);
    for (const [k] of res.headers) expect(k.startsWith("access-control")).toBe(false);
  });

  it("16: a preflight on an unknown path still succeeds", async () => {
    const res = await get("/nope", { origin: BT, "access-control-request-method": "GET" }, "OPTIONS");
    expect(res.status).toBe(204);
  });

  it("17/49: unknown paths and methods are 404", async () => {
    expect((await get("/nope")).status).toBe(404);
    const res = await get("/eval");
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toBe("Cannot GET /eval");
  });
});

describe("login cache", () => {
  it("expires entries after LOGIN_CACHE_TTL_MS, unlike the reference", async () => {
    const short = await startService({ deps: { registry: testRegistry() }, config: { LOGIN_CACHE_TTL_MS: "150" } });
    try {
      await fetch(`${short.base}/list`, { headers: short.auth });
      await fetch(`${short.base}/list`, { headers: short.auth });
      expect(short.fake.callsTo("/api/apikey/login")).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 300));
      await fetch(`${short.base}/list`, { headers: short.auth });
      expect(short.fake.callsTo("/api/apikey/login")).toHaveLength(2);
    } finally {
      await short.close();
    }
  });

  it("63: DEV_ORG_NAME refuses other orgs with 403 before logging in", async () => {
    const only = await startService({ deps: { registry: testRegistry() }, config: { DEV_ORG_NAME: "test-org" } });
    try {
      const res = await fetch(`${only.base}/list`, { headers: { "x-bt-auth-token": "sk-test", "x-bt-org-name": "other-org" } });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: { message: "Org 'other-org' is not allowed. Only org 'test-org' is allowed.", status: 403 },
      });
      expect(only.fake.callsTo("/api/apikey/login")).toHaveLength(0);
      expect((await fetch(`${only.base}/list`, { headers: only.auth })).status).toBe(200);
    } finally {
      await only.close();
    }
  });
});
